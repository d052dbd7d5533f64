/** Credentials by reference: env:NAME and file:/path resolved when the configuration is read, errors naming the key, literals warned. */
import { describe, expect, it } from 'vitest';
import { ConfigError, configCredentials, resolveConfig } from '../../src/config/config.js';
import { resolveSecretRef } from '../../src/connections/secret-refs.js';

const SECRET = 'pat-na1-planted-0123456789abcdef';
const files: Record<string, string> = { '/run/secrets/hubspot': `${SECRET}\n`, '/run/secrets/empty': '\n', '/run/secrets/crlf': `${SECRET}\r\n` };
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}' (contents never shown)`), { code: 'ENOENT' });
  return text;
};
const hubspot = (accessToken: unknown) => ({ destinations: { hs: { type: 'hubspot', config: { accessToken, properties: { n: 'n' } } } } });
const resolve = (raw: Record<string, unknown>, env: Record<string, string> = {}) => resolveConfig(raw, env, {}, readFile);
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('secrets by reference', () => {
  it('resolves env:NAME and file:/path (one trailing line break dropped) before the destination checks the value', () => {
    expect(resolve(hubspot('env:HS_TOKEN'), { HS_TOKEN: SECRET }).destinations['hs']!.config['accessToken']).toBe(SECRET);
    expect(resolve(hubspot('file:/run/secrets/hubspot')).destinations['hs']!.config['accessToken']).toBe(SECRET);
    expect(resolve(hubspot('file:/run/secrets/crlf')).destinations['hs']!.config['accessToken']).toBe(SECRET);
    const c = resolve(hubspot('env:HS_TOKEN'), { HS_TOKEN: SECRET });
    expect(configCredentials(c)).toEqual({ literals: [], values: [SECRET] });
  });

  it('a reference that cannot be resolved fails the start, naming the key and the reference, never a value', () => {
    expect(errorOf(() => resolve(hubspot('env:HS_TOKEN')))).toContain('destinations.hs.config.accessToken: env:HS_TOKEN: the environment variable HS_TOKEN is not set (or empty)');
    expect(errorOf(() => resolve(hubspot('env:HS TOKEN')))).toContain('is not env:NAME');
    expect(errorOf(() => resolve(hubspot('file:run/secrets/hubspot')))).toContain('write an absolute path');
    expect(errorOf(() => resolve(hubspot('file:/run/secrets/missing')))).toContain('destinations.hs.config.accessToken: file:/run/secrets/missing: cannot read the file (ENOENT)');
    expect(errorOf(() => resolve(hubspot('file:/run/secrets/empty')))).toContain('the file is empty');
    // A resolved value that the destination refuses is reported by the destination, without the value.
    const bad = errorOf(() => resolve(hubspot('env:HS_TOKEN'), { HS_TOKEN: 'two words' }));
    expect(bad).toContain('destinations.hs.config');
    expect(bad).not.toContain('two words');
  });

  it('a literal credential is accepted but listed for the start-up warning; nested values are never treated as references', () => {
    const c = resolve({ ...hubspot(SECRET), warehouse: { engine: 'clickhouse', clickhouse: { url: 'http://127.0.0.1:8123', password: 'env:CH_PASSWORD' } } }, { CH_PASSWORD: 'ch-planted' });
    expect(configCredentials(c).literals).toEqual(['destinations.hs.config.accessToken']);
    expect(configCredentials(c).values).toEqual(expect.arrayContaining([SECRET, 'ch-planted']));
    expect(c.warehouse.clickhouse.password).toBe('ch-planted');
    // Only a block's own values are references: a nested mapping value that starts with env: is data.
    const cio = resolve({ destinations: { cio: { type: 'customer-io', config: { siteId: 'env:CIO_SITE', apiKey: 'env:CIO_KEY', attributes: { plan: 'env:plan' } } } } }, { CIO_SITE: 'site-1', CIO_KEY: SECRET });
    expect(cio.destinations['cio']!.config).toMatchObject({ siteId: 'site-1', apiKey: SECRET, attributes: { plan: 'env:plan' } });
  });

  it('webhook secret lists take references item by item; an oauth block takes them for its client secret', () => {
    const c = resolve(
      {
        destinations: {
          wh: { type: 'webhook', config: { endpoint: 'https://example.com/hook', secret: 'env:WH', previousSecrets: ['env:WH_OLD'] } },
          hs: { type: 'hubspot', config: { properties: { n: 'n' } }, oauth: { clientId: 'id', clientSecret: 'file:/run/secrets/hubspot' } },
        },
      },
      { WH: 'whsec_bmV3', WH_OLD: 'whsec_b2xk' },
    );
    expect(c.destinations['wh']!.config).toMatchObject({ secret: 'whsec_bmV3', previousSecrets: ['whsec_b2xk'] });
    expect(c.destinations['hs']!.oauth?.clientSecret).toBe(SECRET);
    expect(errorOf(() => resolve({ destinations: { m: { type: 'meta-capi', config: { accessToken: 'x', pixelId: '1' }, oauth: { clientId: 'id' } } } }))).toContain(
      'destinations.m.oauth: meta-capi does not connect through OAuth',
    );
  });

  it('resolveSecretRef never echoes what it read', () => {
    const r = resolveSecretRef('file:/run/secrets/missing', { env: {}, readFile });
    expect(r).toEqual({ ok: false, error: 'file:/run/secrets/missing: cannot read the file (ENOENT)' });
  });
});
