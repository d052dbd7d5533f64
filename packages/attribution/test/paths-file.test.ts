import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attribute, compareModels, parsePathLine, splitConversionPaths } from '../src/index.js';
import { attributePathsFile, PathsFileError, readPathsFile } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'touchline-paths-'));
const file = (name: string, lines: string[]) => {
  const f = join(dir, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
};

describe('paths file', () => {
  it('runs every requested model over an NDJSON file and prints the documented JSON shape', async () => {
    const f = file('bryl.ndjson', [
      '{"path": ["C1", "C2", "C3"], "conversions": 1, "value": 1000}',
      '',
      '{"path": ["C1"], "conversions": 0, "nulls": 1}',
      '{"path": ["C2", "C3"], "conversions": 0, "nulls": 1}',
    ]);
    const { result, problems } = await attributePathsFile(f, ['linear', 'markov']);
    expect(problems).toEqual([]);
    const json = JSON.parse(JSON.stringify(result.models)) as { model: string; credits: Record<string, { conversions: number; value: number }> }[];
    expect(json[0]).toEqual({ model: 'linear', credits: { C1: { conversions: 1 / 3, value: 1000 / 3 }, C2: { conversions: 1 / 3, value: 1000 / 3 }, C3: { conversions: 1 / 3, value: 1000 / 3 } } });
    expect(json[1]?.model).toBe('markov');
    expect(json[1]?.credits['C1']?.value).toBeCloseTo(200, 10);
  });

  it('reads times, converted_at and milestones', async () => {
    const f = file('timed.ndjson', [
      '{"path": ["a", "b", "c"], "times": ["2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", 1705276800000], "converted_at": "2024-01-15T00:00:00Z", "milestones": {"lead": 1, "opportunity": 2}}',
    ]);
    const { result } = await attributePathsFile(f, ['time_decay', 'w_shaped']);
    const [decay, w] = result.models;
    expect((decay?.credits['b']?.conversions ?? 0) / (decay?.credits['c']?.conversions ?? 1)).toBeCloseTo(0.5, 12);
    expect(w?.credits['b']?.conversions).toBeCloseTo(1 / 3, 12);
  });

  it('stops at the first bad line with its number and what to fix', async () => {
    const f = file('bad.ndjson', ['{"path": ["a"]}', '{"path": ["a"], "conversion": 2}']);
    await expect(attributePathsFile(f, ['linear'])).rejects.toThrow(PathsFileError);
    await expect(attributePathsFile(f, ['linear'])).rejects.toThrow(/bad\.ndjson:2: unknown field "conversion"/);
  });

  it('reports model refusals with the line number too', async () => {
    const f = file('untimed.ndjson', ['{"path": ["a"], "times": ["2024-01-01T00:00:00Z"]}', '{"path": ["a", "b"]}']);
    await expect(attributePathsFile(f, ['time_decay'])).rejects.toThrow(/untimed\.ndjson:2: time_decay needs `times`/);
  });

  it('can skip bad lines and list them', async () => {
    const input = Readable.from(['{"path": ["a"]}\n', 'not json\n', '{"path": "a"}\n', '{"path": ["b"], "value": -1}\n', '{"path": ["b"]}\n']);
    const { result, problems, skipped } = await attributePathsFile(input, ['first_touch'], {}, { onError: 'skip', maxProblems: 2 });
    expect(skipped).toBe(3);
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [2, ''],
      [3, 'path'],
    ]);
    expect(result.totals.paths).toBe(2);
  });

  it('parses each line strictly, naming the field', () => {
    expect(parsePathLine('[]', 4)).toMatchObject({ ok: false, line: 4 });
    expect(parsePathLine('{"path": ["a", 1]}', 1)).toMatchObject({ ok: false, field: 'path[1]' });
    expect(parsePathLine('{"path": [], "milestones": {"deal": 1}}', 1)).toMatchObject({ ok: false, field: 'milestones.deal' });
    expect(parsePathLine('{"path": [], "times": [true]}', 1)).toMatchObject({ ok: false, field: 'times' });
    expect(parsePathLine('{"path": ["x"], "conversions": 2, "value": 90, "nulls": 5}', 9)).toEqual({
      ok: true,
      line: 9,
      path: { path: ['x'], conversions: 2, value: 90, nulls: 5 },
    });
  });

  it('accepts a file that starts with a byte-order mark', async () => {
    const lines: unknown[] = [];
    for await (const l of readPathsFile(Readable.from(['\uFEFF{"path": ["a"]}\n']))) lines.push(l);
    expect(lines).toEqual([{ ok: true, line: 1, path: { path: ['a'] } }]);
  });

  it('streams: yields lines as they are read', async () => {
    const seen: number[] = [];
    for await (const l of readPathsFile(Readable.from(['{"path": []}\n\n{"path": ["a"]}\r\n']))) seen.push(l.line);
    expect(seen).toEqual([1, 3]);
  });
});

describe('splitConversionPaths', () => {
  const touches = [
    { at: '2024-01-05T00:00:00Z', level: 'Email' },
    { at: '2024-01-01T00:00:00Z', level: 'Paid Search' },
    { at: '2024-01-10T00:00:00Z', level: 'Display' },
    { at: '2024-01-20T00:00:00Z', level: 'Referral' },
  ];
  const conversions = [
    { at: '2024-01-10T00:00:00Z', value: 40 },
    { at: '2024-01-03T00:00:00Z', value: 10 },
  ];

  it('resets the path after each conversion and keeps the tail as a non-converting path', () => {
    const paths = splitConversionPaths(touches, conversions);
    expect(paths.map((p) => [p.path, p.conversions, p.value ?? 0, p.nulls ?? 0])).toEqual([
      [['Paid Search'], 1, 10, 0],
      [['Email', 'Display'], 1, 40, 0],
      [['Referral'], 0, 0, 1],
    ]);
    expect(paths[1]?.converted_at).toBe(Date.parse('2024-01-10T00:00:00Z'));
  });

  it('without reset, every conversion sees every earlier touch', () => {
    const paths = splitConversionPaths(touches, conversions, { resetAfterConversion: false });
    expect(paths.map((p) => p.path)).toEqual([['Paid Search'], ['Paid Search', 'Email', 'Display']]);
  });

  it('feeds the engine directly', () => {
    const r = attribute(splitConversionPaths(touches, conversions), ['first_touch']);
    expect(r.models[0]?.credits).toEqual({ 'Paid Search': { conversions: 1, value: 10 }, Email: { conversions: 1, value: 40 } });
  });

  it('names a bad time', () => {
    expect(() => splitConversionPaths([{ at: 'yesterday', level: 'x' }], [])).toThrow(/touches\[0\]\.at/);
  });
});

describe('compareModels', () => {
  it('puts models side by side, sorted by the first', () => {
    const r = attribute([{ path: ['A', 'B', 'C'], conversions: 3 }], ['first_touch', 'linear', 'last_touch']);
    const c = compareModels(r.models);
    expect(c.models).toEqual(['first_touch', 'linear', 'last_touch']);
    expect(c.rows).toEqual([
      { level: 'A', credits: [3, 1, 0] },
      { level: 'B', credits: [0, 1, 0] },
      { level: 'C', credits: [0, 1, 3] },
    ]);
  });
});
