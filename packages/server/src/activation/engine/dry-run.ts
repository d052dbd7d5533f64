import { planBatches, staticToken, type BatchItem, type Clock, type FetchInit, type FetchLike } from '@touchline/destinations';
import { z } from 'zod';
import type { DiffCounts, SyncMode } from '../store/records.js';
import type { SyncStore } from '../store/sync-store.js';
import type { AnyDestination } from './any-destination.js';
import { applyMapping, removalRow } from './field-mapping.js';
import type { ResolvedSync } from './resolve-sync.js';

/** A request exactly as it would be sent, credentials replaced by `***`. */
export interface CapturedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface DryRunRow {
  readonly pk: string;
  readonly op: 'add' | 'change' | 'remove';
  /** The destination row that would be mapped and sent. */
  readonly row: Readonly<Record<string, unknown>>;
  /** What the sync sent last time, when it kept it (CRMs). */
  readonly before: Readonly<Record<string, unknown>> | null;
  /** Columns whose value differs from `before`. */
  readonly changed: readonly string[];
  /** Why the destination would refuse the row before sending (consent, missing id, ...). */
  readonly refused: { readonly code: string; readonly reason: string; readonly field?: string } | null;
}

export interface DryRunReport {
  readonly sync: string;
  readonly destination: string;
  readonly type: string;
  /** The sync's mode; `forward` for a forwarding rule's approval report (src/approvals/forwarding-rules.ts). */
  readonly mode: SyncMode | 'forward';
  readonly stagedRows: number;
  readonly counts: DiffCounts;
  /** The blast-radius guard's refusal, if a real run would be refused. */
  readonly guard: string | null;
  /** The first rows of the diff (in key order). */
  readonly rows: readonly DryRunRow[];
  /** The requests those rows would make, byte for byte apart from credentials. */
  readonly requests: readonly CapturedRequest[];
  /** Requests the whole diff needs at least (by the vendor's item limit). */
  readonly minRequests: number;
  readonly testMode: string;
}

/** String values of config keys the destination marks secret (`.meta({ secret: true })`). */
export function secretValues(destination: AnyDestination, config: unknown): string[] {
  const schema = z.toJSONSchema(destination.configSchema as z.ZodType, { io: 'input' }) as { properties?: Record<string, { secret?: boolean }> };
  const values = config as Record<string, unknown>;
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.secret === true)
    .map(([k]) => values[k])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** Replaces every occurrence of each secret in the text. */
export const redact = (text: string, secrets: readonly string[]): string =>
  secrets.reduce((t, s) => t.split(s).join('***'), text);

/**
 * A `fetch` that records what the destination would send and answers without touching the
 * network: the destination's own `send` builds the request, so what the dry run shows is what a
 * run sends.
 */
export function capturingFetch(secrets: readonly string[]): { fetch: FetchLike; requests: CapturedRequest[] } {
  const requests: CapturedRequest[] = [];
  const fetch: FetchLike = async (url: string, init: FetchInit) => {
    const headers = Object.fromEntries(Object.entries(init.headers).map(([k, v]) => [k, redact(v, secrets)]));
    let body: unknown = init.body === undefined ? undefined : redact(init.body, secrets);
    try {
      body = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
    } catch {
      /* not JSON: keep the text */
    }
    requests.push({ method: init.method, url: redact(url, secrets), headers, body });
    return { status: 200, headers: { get: () => null }, text: async () => '{}' };
  };
  return { fetch, requests };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export interface DryRunInput {
  readonly store: SyncStore;
  readonly resolved: ResolvedSync;
  readonly counts: DiffCounts;
  readonly stagedRows: number;
  readonly stageTable: string;
  readonly diffTable: string;
  readonly clock: Clock;
  readonly limit: number;
  readonly guard: string | null;
}

/** Shows a sync's diff and the exact requests for its first rows; sends nothing, writes no state. */
export async function dryRunSync(i: DryRunInput): Promise<DryRunReport> {
  const r = i.resolved;
  const page = await i.store.diffPage(i.diffTable, i.stageTable, r.syncName, null, i.limit);
  const mapped = Object.keys(r.sync.mapping ?? {});
  const now = i.clock.now();
  const rows: DryRunRow[] = [];
  const items: BatchItem<unknown>[] = [];
  for (const d of page) {
    const row = d.op === 'remove' ? removalRow(d.before, d.pk, r.removeKeep, mapped) : applyMapping(d.row ?? {}, r.sync.mapping);
    const m = r.destination.map(row, r.config, d.op === 'remove' ? { now, op: 'remove' } : { now });
    const changed = d.before ? [...new Set([...Object.keys(row), ...Object.keys(d.before)])].filter((k) => !same(row[k], d.before?.[k])) : [];
    rows.push({ pk: d.pk, op: d.op, row, before: d.before, changed, refused: m.ok ? null : m.rejection });
    if (m.ok) items.push({ ref: d.pk, ...m.item });
  }
  const capture = capturingFetch(secretValues(r.destination, r.config));
  for (const batch of planBatches(items, r.destination.batching).batches) {
    // A placeholder token: a dry run never mints or shows a connected destination's real one.
    await r.destination.send(batch, { config: r.config, fetch: capture.fetch, clock: i.clock, auth: staticToken('***') });
  }
  const total = i.counts.add + i.counts.change + i.counts.remove;
  const t = r.destination.capabilities.testMode;
  return {
    sync: r.syncName,
    destination: r.name,
    type: r.account.type,
    mode: r.sync.mode,
    stagedRows: i.stagedRows,
    counts: i.counts,
    guard: i.guard,
    rows,
    requests: capture.requests,
    minRequests: Math.ceil(total / r.destination.batching.maxItems),
    testMode: t.kind === 'none' ? `none (${t.note})` : `${t.kind}: touchline sync run ${r.syncName} --test`,
  };
}
