import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ConfigInput } from '../../src/config/config.js';
import { startTouchline, type StartOptions, type Touchline } from '../../src/server.js';

export interface Harness extends Touchline {
  readonly dataDir: string;
  /** Basic auth header for the default source. */
  readonly auth: string;
  /** Loads everything spooled, then runs SQL against the warehouse. */
  sql(query: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/** A Touchline on a fresh data dir, in process (no ports unless `listen`: then two free ones, on loopback). */
export async function startHarness(config: ConfigInput = {}, options: StartOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'touchline-test-'));
  const cfg = resolveConfig({ dataDir, port: 0, host: '127.0.0.1', ...config, admin: { port: 0, ...config.admin } } as Record<string, unknown>, {}, {});
  const t = await startTouchline(cfg, { listen: false, log: () => undefined, ...options });
  return Object.assign(Object.create(null) as object, t, {
    dataDir,
    auth: 'Basic ' + Buffer.from(t.writeKey + ':').toString('base64'),
    async sql(query: string) {
      await t.loader.flush();
      const r = await t.warehouse.query(query);
      return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i]])));
    },
    async dispose() {
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  }) as Harness;
}
