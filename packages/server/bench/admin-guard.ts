/**
 * Admin guard bench: what one admin request costs for who-and-may-they (authenticate the token,
 * ask the policy) and the audit record written (fsynced) before the answer, against the same
 * app's unauthenticated `/healthz` (the baseline, measured in the same run). Then `audit verify`
 * per record.
 *
 *   npm run bench -- admin-guard
 *
 * BENCH_REQUESTS (default 2000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config/config.js';
import { SCOPES } from '../src/policy/actions.js';
import { startTouchline } from '../src/server.js';

const N = Number(process.env['BENCH_REQUESTS'] ?? 2000);

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'touchline-bench-guard-'));
  const t = await startTouchline(resolveConfig({ dataDir, port: 0, admin: { port: 0 } }, {}, {}), { listen: false, log: () => undefined });
  try {
    const m = t.people.members.add({ name: 'Bench', email: 'bench@example.com', role: 'analyst', startDate: '2020-01-01' });
    const token = t.people.tokens.create({ memberId: m.id, name: 'bench', scopes: [...SCOPES], expiresAt: new Date(Date.now() + 86_400_000), createdBy: 'bootstrap' }).token;
    const run = async (label: string, url: string, auth?: string) => {
      const headers = auth === undefined ? {} : { authorization: `Bearer ${auth}` };
      for (let i = 0; i < 50; i++) await t.adminApp.inject({ method: 'GET', url, headers }); // warm-up
      const start = performance.now();
      for (let i = 0; i < N; i++) await t.adminApp.inject({ method: 'GET', url, headers });
      const ms = performance.now() - start;
      return { label, usPerOp: (ms * 1000) / N };
    };
    const base = await run('GET /healthz (no guard, no audit): baseline', '/healthz');
    const rows = [
      base,
      await run('GET /admin/me, personal token (HMAC, policy, audit fsync)', '/admin/me', token),
      await run('GET /admin/me, admin token (policy, audit fsync)', '/admin/me', t.adminToken),
      await run('GET /admin/me, no token (401, audit fsync)', '/admin/me'),
    ];
    for (const r of rows) console.log(`${r.label.padEnd(62)} ${r.usPerOp.toFixed(0).padStart(7)} µs/request  ×${(r.usPerOp / base.usPerOp).toFixed(1)}`);
    const records = t.people.audit.verify().records;
    const start = performance.now();
    const check = t.people.audit.verify();
    const ms = performance.now() - start;
    console.log(`audit verify: ${check.ok ? 'whole' : 'BROKEN'}, ${records} records, ${((ms * 1000) / records).toFixed(1)} µs/record (×${((ms * 1000) / records / base.usPerOp).toFixed(2)} of a /healthz request)`);
  } finally {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
