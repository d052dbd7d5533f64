/**
 * Revoking the `default` source while `writeKey` / `TOUCHLINE_WRITE_KEY` still names its key: the
 * server starts, the revocation holds (a restart never re-activates a key), and start-up names
 * exactly what to change (docs/security.md, "Write keys").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBanner } from '../../src/cli/commands/start.js';
import { resolveConfig, type Config } from '../../src/config/config.js';
import { maskSecret } from '../../src/data-dir/secrets.js';
import { startTouchline, type Touchline } from '../../src/server.js';

const KEY = 'env-write-key-0123456789';
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'touchline-revoke-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const config = (writeKey: string | undefined): Config =>
  resolveConfig({ dataDir, port: 0, admin: { port: 0 }, tracker: { touchStore: { engine: 'memory' } }, ...(writeKey ? { writeKey } : {}) }, {}, {});

async function start(writeKey: string | undefined, lines: string[] = []): Promise<Touchline> {
  return startTouchline(config(writeKey), { listen: false, log: (m, f) => lines.push(`${m} ${f ? JSON.stringify(f) : ''}`) });
}

const send = (t: Touchline, key: string, id: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/track',
    headers: { authorization: 'Basic ' + Buffer.from(`${key}:`).toString('base64'), 'content-type': 'application/json' },
    payload: JSON.stringify({ anonymousId: 'a', event: 'E', messageId: id }),
  });
const admin = (t: Touchline, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  t.adminApp.inject({ method, url, headers: { authorization: `Bearer ${t.adminToken}` }, ...(payload ? { payload: payload as object } : {}) });

describe('restart after revoking the default source', () => {
  it('starts, keeps the key revoked, says what to change, and serves every other source', async () => {
    const first = await start(KEY);
    let other: string;
    try {
      expect(first.credentials.writeKey).toMatchObject({ from: 'configured', name: 'default' });
      expect((await admin(first, 'DELETE', '/admin/sources/default')).statusCode).toBe(200);
      other = (await admin(first, 'POST', '/admin/sources', { name: 'web' })).json().writeKey;
      expect((await send(first, KEY, 'm1')).statusCode).toBe(401);
    } finally {
      await first.close();
    }

    const lines: string[] = [];
    const second = await start(KEY, lines);
    try {
      expect(second.credentials.writeKey).toMatchObject({ from: 'revoked', name: 'default', writeKey: KEY });
      const advice = lines.find((l) => l.includes('revoked'));
      expect(advice).toMatch(/writeKey \(TOUCHLINE_WRITE_KEY\) is the write key of source "default", revoked at \d{4}-/);
      expect(advice).toMatch(/it stays revoked/);
      expect(advice).toMatch(/unset writeKey \/ TOUCHLINE_WRITE_KEY/);
      expect(advice).toMatch(/touchline sources create <name>/);
      // The key appears in no log line, revoked or not.
      expect(lines.join('\n')).not.toContain(KEY);
      const refused = await send(second, KEY, 'm2');
      expect(refused.statusCode).toBe(401);
      expect(refused.json().message).toBe('this write key was revoked');
      expect((await send(second, other, 'm3')).statusCode).toBe(200);
      // Nothing was re-activated or re-created with the revoked key.
      const sources = (await admin(second, 'GET', '/admin/sources')).json().sources as { name: string; writeKey: string; revokedAt: string | null }[];
      expect(sources.filter((s) => s.writeKey === KEY)).toEqual([expect.objectContaining({ name: 'default', revokedAt: expect.any(String) })]);
      expect(sources.map((s) => s.name).sort()).toEqual(['default', 'web']);
      // `touchline start` shows it beside the credentials, masked.
      const banner = startBanner(second, config(KEY)).join('\n');
      expect(banner).toContain(`Write key    ${maskSecret(KEY)}   REVOKED`);
      expect(banner).toContain('Warning: writeKey (TOUCHLINE_WRITE_KEY) is the write key of source "default"');
      expect(banner).not.toContain(KEY);
    } finally {
      await second.close();
    }

    // Following the advice: unset the key. A new default source gets a generated key, shown once.
    const third = await start(undefined);
    try {
      expect(third.credentials.writeKey).toMatchObject({ from: 'generated', name: expect.stringMatching(/^default-[0-9a-f]{6}$/) });
      expect((await send(third, third.writeKey, 'm4')).statusCode).toBe(200);
      expect((await send(third, KEY, 'm5')).statusCode).toBe(401);
    } finally {
      await third.close();
    }
    // …and the next start finds that one, rather than making another.
    const fourth = await start(undefined);
    try {
      expect(fourth.credentials.writeKey).toMatchObject({ from: 'stored', writeKey: third.writeKey, name: third.credentials.writeKey.name });
    } finally {
      await fourth.close();
    }
  });
});
