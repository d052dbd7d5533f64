/**
 * One conformance suite every TouchStore runs (STYLE.md: one interface, one suite). A shared store
 * (several collectors) must pass it too.
 */
import type { TouchState } from '@touchline/protocol';
import { describe, expect, it } from 'vitest';
import type { TouchStore } from '../../src/tracker-endpoint/touch-store.js';

const t = (utm_source: string, at: string) => ({ url: `https://www.shop.test/?utm_source=${utm_source}`, utm_source, at });

export function touchStoreConformance(name: string, open: () => Promise<TouchStore>): void {
  describe(`TouchStore conformance: ${name}`, () => {
    it('returns undefined for an unknown visitor and what was stored for a known one', async () => {
      const s = await open();
      expect(await s.get('nobody-0000000000')).toBeUndefined();
      const state: TouchState = { first: t('a', '2025-01-01T00:00:00.000Z'), last: t('a', '2025-01-01T00:00:00.000Z'), session: t('a', '2025-01-01T00:00:00.000Z'), seen: '2025-01-01T00:00:00.000Z' };
      expect(await s.update('v1', () => state)).toEqual(state);
      expect(await s.get('v1')).toEqual(state);
      await s.close();
    });

    it('never replaces a stored first touch, whatever the step returns', async () => {
      const s = await open();
      await s.update('v2', () => ({ first: t('a', '2025-01-01T00:00:00.000Z'), seen: '2025-01-01T00:00:00.000Z' }));
      const after = await s.update('v2', (p) => ({ ...p, first: t('b', '2025-02-01T00:00:00.000Z'), last: t('b', '2025-02-01T00:00:00.000Z'), seen: '2025-02-01T00:00:00.000Z' }));
      expect(after.first?.utm_source).toBe('a');
      expect(after.last?.utm_source).toBe('b');
      expect((await s.get('v2'))?.first?.utm_source).toBe('a');
      await s.close();
    });

    it('hands the step the stored state; returning it unchanged writes nothing', async () => {
      const s = await open();
      await s.update('v3', () => ({ last: t('a', '2025-01-01T00:00:00.000Z'), seen: '2025-01-01T00:00:00.000Z' }));
      let seen: TouchState | undefined;
      const same = await s.update('v3', (p) => (seen = p));
      expect(seen).toEqual({ last: t('a', '2025-01-01T00:00:00.000Z'), seen: '2025-01-01T00:00:00.000Z' });
      expect(same).toEqual(seen);
      expect(await s.update('nobody-1111111111', (p) => p)).toEqual({});
      expect(await s.get('nobody-1111111111')).toBeUndefined();
      await s.close();
    });

    it('serialises concurrent updates of one visitor (no lost update)', async () => {
      const s = await open();
      const bump = (p: TouchState): TouchState => ({ ...p, seen: String(Number(p.seen ?? 0) + 1).padStart(6, '0') });
      await Promise.all(Array.from({ length: 50 }, () => s.update('v4', bump)));
      expect((await s.get('v4'))?.seen).toBe('000050');
      await s.close();
    });

    it('updateMany makes each visitor\'s update as update does, a visitor named twice in order, first write-once', async () => {
      const s = await open();
      await s.update('m1', () => ({ first: t('a', '2025-01-01T00:00:00.000Z'), seen: '2025-01-01T00:00:00.000Z' }));
      const out = await s.updateMany([
        ['m1', (p) => ({ ...p, first: t('x', '2025-03-01T00:00:00.000Z'), last: t('b', '2025-03-01T00:00:00.000Z'), seen: '2025-03-01T00:00:00.000Z' })],
        ['m2', () => ({ last: t('c', '2025-03-02T00:00:00.000Z'), seen: '2025-03-02T00:00:00.000Z' })],
        ['m3', (p) => p],
        ['m2', (p) => ({ ...p, seen: `${p.seen}+` })],
      ]);
      expect(out.map((o) => [o.first?.utm_source, o.last?.utm_source, o.seen])).toEqual([
        ['a', 'b', '2025-03-01T00:00:00.000Z'],
        [undefined, 'c', '2025-03-02T00:00:00.000Z'],
        [undefined, undefined, undefined],
        [undefined, 'c', '2025-03-02T00:00:00.000Z+'],
      ]);
      expect(await s.get('m1')).toMatchObject({ first: { utm_source: 'a' }, last: { utm_source: 'b' } });
      expect((await s.get('m2'))?.seen).toBe('2025-03-02T00:00:00.000Z+');
      expect(await s.get('m3')).toBeUndefined();
      expect(await s.updateMany([])).toEqual([]);
      await s.close();
    });

    it('prunes visitors last seen before a time', async () => {
      const s = await open();
      await s.update('old-visitor-00000', () => ({ seen: '2024-01-01T00:00:00.000Z' }));
      await s.update('new-visitor-00000', () => ({ seen: '2025-06-01T00:00:00.000Z' }));
      expect(await s.prune('2025-01-01T00:00:00.000Z')).toBe(1);
      expect(await s.get('old-visitor-00000')).toBeUndefined();
      expect(await s.get('new-visitor-00000')).toEqual({ seen: '2025-06-01T00:00:00.000Z' });
      await s.close();
    });

    it('forgets the visitors a privacy request names, whatever their age, and no one else', async () => {
      const s = await open();
      const t = { url: 'https://shop.example/?utm_source=a', utm_source: 'a', at: '2025-06-01T00:00:00.000Z' };
      await s.update('forget-me-000000', () => ({ first: t, last: t, seen: '2025-06-01T00:00:00.000Z' }));
      await s.update('keep-me-00000000', () => ({ first: t, seen: '2025-06-01T00:00:00.000Z' }));
      expect(await s.forget(['forget-me-000000', 'forget-me-000000', 'never-seen-00000', "it's \\ hostile'); --"])).toBe(1);
      expect(await s.get('forget-me-000000')).toBeUndefined();
      expect(await s.get('keep-me-00000000')).toMatchObject({ first: { utm_source: 'a' } });
      expect(await s.forget([])).toBe(0);
      // Forgotten is forgotten: a later visit starts a new first touch.
      await s.update('forget-me-000000', () => ({ last: { ...t, utm_source: 'b' }, seen: '2025-07-01T00:00:00.000Z' }));
      expect((await s.get('forget-me-000000'))?.first).toBeUndefined();
      await s.close();
    });
  });
}
