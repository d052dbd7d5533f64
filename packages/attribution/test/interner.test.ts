import { describe, expect, it } from 'vitest';
import { Interner } from '../src/interner.js';

describe('interner', () => {
  it('gives every distinct value one id, in first-seen order, whatever its cache slot', () => {
    const interner = new Interner();
    // Values built to share the cache key (length, last two and middle characters) and others not.
    // Length 13, 'M' in the middle, '--' at the end: one cache slot for all 3000.
    const colliding = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(6, '0')}M${String((i * 7) % 10000).padStart(4, '0')}--`);
    expect(new Set(colliding.map((v) => `${v.length}${v[6]}${v.slice(-2)}`)).size).toBe(1);
    const values = ['', 'a', 'Direct', 'direct', '(direct)', ...colliding, ...colliding.map((v) => v.toLowerCase())];
    const ids = values.map((v) => interner.id(v));
    expect(ids).toEqual(values.map((_, i) => i));
    // Again, fresh copies of the strings (as JSON.parse makes them), in another order.
    const copies = values.map((v) => JSON.parse(JSON.stringify(v)) as string).reverse();
    expect(copies.map((v) => interner.id(v))).toEqual(values.map((_, i) => i).reverse());
    expect(interner.size).toBe(values.length);
    expect(interner.value(7)).toBe(values[7]);
    expect(() => interner.value(values.length)).toThrow(/no level value has id/);
  });
});
