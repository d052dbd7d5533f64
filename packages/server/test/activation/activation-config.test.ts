import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/config.js';

const hubspot = { type: 'hubspot', config: { accessToken: 'pat-1' } };

describe('activation configuration', () => {
  it('names every bad key, including the destination\'s own config keys', () => {
    let error: unknown;
    try {
      resolveConfig(
        {
          destinations: { hs: hubspot, g: { type: 'google-data-manager', config: { accessToken: 't', operatingAccountId: '12-34' } }, x: { type: 'tiktok' } },
          syncs: {
            a: { destination: 'nope', source: { sql: 'select 1' }, primaryKey: 'k', mode: 'upsert' },
            b: { destination: 'hs', source: { sql: 'select 1' }, primaryKey: 'k', mode: 'insert' },
            c: { destination: 'hs', source: { model: 'conversions', events: [] }, primaryKey: 'k', mode: 'upsert', schedule: { every: 'soon' } },
          },
          forwarding: { rules: { r: { events: ['Order Completed'], destination: 'missing' } } },
        },
        {},
        {},
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text).toContain('destinations.g.config: google-data-manager config operatingAccountId: a Google Ads customer id: 10 digits, no dashes');
    expect(text).toContain('destinations.g.config: google-data-manager config conversionActionId');
    expect(text).toContain('destinations.x.type: one of google-data-manager, meta-capi, salesforce, hubspot');
    expect(text).toContain('syncs.c.source');
    expect(text).toContain('syncs.c.schedule.every: a duration such as 30s, 15m, 6h or 1d');
  });

  it('cross-checks syncs and rules against the destinations and their modes', () => {
    const check = (raw: Record<string, unknown>) => {
      try {
        resolveConfig(raw, {}, {});
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const syncs = (s: Record<string, unknown>) => ({ destinations: { hs: hubspot }, syncs: { s: { source: { sql: 'select 1' }, primaryKey: 'k', ...s } } });
    expect(check(syncs({ destination: 'nope', mode: 'upsert' }))).toContain('syncs.s.destination: no destination "nope" under destinations');
    expect(check(syncs({ destination: 'hs', mode: 'insert' }))).toContain('syncs.s.mode: hubspot supports upsert, mirror, not insert');
    expect(check(syncs({ destination: 'hs', mode: 'mirror' }))).toBe('');
    expect(check({ destinations: { hs: hubspot }, forwarding: { rules: { r: { events: ['E'], destination: 'gone' } } } })).toContain(
      'forwarding.rules.r.destination: no destination "gone" under destinations',
    );
  });
});
