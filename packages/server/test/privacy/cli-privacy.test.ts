/**
 * `touchline privacy` as an operator runs it: the built CLI against a real `touchline start`
 * process (DuckDB). A dry run first, then the delete, the suppression list, and the audit log,
 * which names the request and the identifier's keyed hash, never the identifier.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, operatorCli, startServerProcess, waitForExit, type RunningServer } from '../support/process.js';

let dir: string;
let server: RunningServer | undefined;
const WRITE_KEY = 'privacy-cli-write-key-0123456789';

const cli = (args: string[]) => operatorCli(dir, args);

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), 'touchline-privacy-cli-'));
  server = await startServerProcess(join(dir, 'data'), await freePort(), { TOUCHLINE_WRITE_KEY: WRITE_KEY });
  const res = await fetch(`${server.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${WRITE_KEY}:`).toString('base64'), 'content-type': 'application/json' },
    body: JSON.stringify({
      batch: [
        { type: 'identify', anonymousId: 'anon-grace', userId: 'u-grace', traits: { email: 'grace@navy.example' } },
        { type: 'track', userId: 'u-grace', event: 'Order Completed' },
        { type: 'track', userId: 'u-alan', event: 'Order Completed' },
      ],
    }),
  });
  expect(res.status).toBe(200);
}, 120_000);
afterAll(async () => {
  server?.proc.kill('SIGTERM');
  if (server) await waitForExit(server.proc);
  await rm(dir, { recursive: true, force: true });
});

describe('touchline privacy', () => {
  it('refuses a delete without exactly one identifier, naming the flags', () => {
    const r = cli(['privacy', 'delete', '--email', 'a@b.example', '--user-id', 'x']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/exactly one of --user-id, --anonymous-id, --email/);
  });

  it('shows what a delete would remove, then removes it, by table', () => {
    const dry = cli(['privacy', 'delete', '--email', 'grace@navy.example', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/dry run: would remove/);
    expect(dry.out).toMatch(/^\s+2\s+events$/m);
    const done = cli(['privacy', 'delete', '--email', 'grace@navy.example']);
    expect(done.code, done.err).toBe(0);
    expect(done.out).toMatch(/request prv_[0-9a-f]{16}: removed/);
    expect(done.out).toMatch(/^\s+2\s+events$/m);
    const left = cli(['sql', 'select user_id from events order by user_id', '--format', 'csv']);
    expect(left.out.trim().split('\n').slice(1)).toEqual(['u-alan']);
  });

  it('lists the suppression and audits the request by hash only', () => {
    const list = cli(['privacy', 'suppressions', 'list']);
    expect(list.out).toMatch(/prv_[0-9a-f]{16}\s+\S+\s+\d+ identifier hash/);
    const audit = cli(['audit', '--action', 'privacy.delete', '--format', 'json']);
    expect(audit.code, audit.err).toBe(0);
    expect(audit.out).toContain('subjectHash');
    expect(audit.out).not.toMatch(/grace|u-grace|anon-grace/i);
  });
});
