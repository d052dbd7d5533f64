import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, freePort, startServerProcess, waitForExit } from '../support/process.js';
import { eventLine, writeSegment } from '../support/rows.js';

const env = { TOUCHLINE_WRITE_KEY: 'damage-test-write-key', TOUCHLINE_ADMIN_TOKEN: 'damage-test-admin-token-0123456789' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'touchline-damaged-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dir], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => `dmg-${from + i}`);
const lines = (list: string[]) => list.map((id) => eventLine({ type: 'track', messageId: id, anonymousId: 'a', event: 'Spooled' }));
const recordAt = (buf: Buffer, id: string) => buf.indexOf(`{"kind":"event","message_id":"${id}"`) - 20;

describe('a data dir whose spool was damaged on disk', () => {
  it('starts, loads every valid row, and shows the damage in status and failed_events', { timeout: 60_000 }, async () => {
    // A sealed segment with a flipped bit in one record; the open segment a crash left, with a
    // NUL in a middle record and a torn last record.
    const spool = join(dir, 'spool');
    const sealed = await writeSegment(spool, 1, lines(ids(0, 10)));
    const a = await readFile(sealed);
    const flipped = recordAt(a, 'dmg-4');
    a[flipped + 50] = a[flipped + 50]! ^ 0x08;
    await writeFile(sealed, a);
    const open = await writeSegment(spool, 2, lines([...ids(10, 10), 'never-acked']));
    const b = await readFile(open);
    const nul = recordAt(b, 'dmg-12');
    b[nul + 44] = 0;
    await writeFile(join(spool, '0000000000000002.open'), b.subarray(0, b.length - 30));
    await rm(open);

    const port = await freePort();
    const server = await startServerProcess(dir, port, env);
    try {
      const admin = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${server.adminUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${env.TOUCHLINE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect(res.status, path).toBe(200);
        return (await res.json()) as { rows: string[][]; spool: Record<string, number> };
      };
      await admin('POST', '/admin/flush');
      const loaded = await admin('POST', '/admin/sql', { sql: "select message_id from events where event = 'Spooled' order by 1" });
      const expected = [...ids(0, 20)].filter((id) => id !== 'dmg-4' && id !== 'dmg-12').sort();
      expect(loaded.rows.flat()).toEqual(expected);

      const next = (buf: Buffer, id: string) => recordAt(buf, id);
      const damaged = await admin('POST', '/admin/sql', { sql: "select reason from failed_events where reason like 'spool damage%' order by reason" });
      expect(damaged.rows.flat()).toEqual([
        `spool damage in segment 0000000000000001.seg at byte offset ${flipped} (${next(a, 'dmg-5') - flipped} bytes): checksum mismatch; raw holds the damaged bytes in base64`,
        `spool damage in segment 0000000000000002.seg at byte offset ${nul} (${next(b, 'dmg-13') - nul} bytes): checksum mismatch; raw holds the damaged bytes in base64`,
      ]);
      const bytes = next(a, 'dmg-5') - flipped + next(b, 'dmg-13') - nul;
      expect((await admin('GET', '/admin/status')).spool).toMatchObject({ damagedRecords: 2, damagedBytes: bytes });
      expect(cli(['status']).out).toContain(`2 damaged stretch(es), ${bytes} bytes, set aside since start`);
      // The torn record was cut at start, not set aside (the two rows above are all there is).
      expect(server.output()).toContain('cut unacknowledged partial rows from an interrupted spool segment');
    } finally {
      server.proc.kill('SIGTERM');
      await waitForExit(server.proc);
    }
  });
});
