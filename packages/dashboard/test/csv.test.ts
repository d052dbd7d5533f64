import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../src/csv.js';

describe('CSV export', () => {
  it('quotes what RFC 4180 says, and defuses cells a spreadsheet would run as formulas', () => {
    expect(toCsv(['a', 'b'], [['x', 1.5], ['with,comma', null], ['say "hi"', 0]])).toBe('a,b\r\nx,1.5\r\n"with,comma",\r\n"say ""hi""",0\r\n');
    for (const evil of ['=HYPERLINK("http://x")', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1']) {
      const cell = csvCell(evil);
      expect(cell.replace(/^"/, '').startsWith("'"), evil).toBe(true);
    }
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(' padded ')).toBe('" padded "');
  });
});
