import { parse as parseCsv } from 'csv-parse';
import { SingleBar } from 'cli-progress';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Config } from '../../config/config.js';
import type { IngestResult } from '../../collector/ingest.js';
import { startTouchline } from '../../server.js';
import { findRunningServer } from '../server-handle.js';
import { eventTimeOf, inEventTimeOrder } from './event-time-order.js';
import { badRows, csvRecord, csvRowProblem, type ImportRow } from './import-rows.js';

/** Where imported events go: the running server's /v1/batch, or an in-process pipeline. */
export interface Sink {
  send(events: unknown[]): Promise<IngestResult>;
  close(): Promise<void>;
}

export interface ImportSummary {
  readonly lines: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly quarantined: number;
  /** Events more than the ordering window out of time order: stamped with the touches as they stood when they arrived. */
  readonly lateEvents: number;
  /** Most common reasons for quarantine, with counts. */
  readonly reasons: readonly { reason: string; count: number }[];
  /** The first 100 quarantined rows by the file's line, with the reason. */
  readonly badRows: readonly { readonly line: number; readonly reason: string }[];
}

/** A CSV header like `properties.plan` or `context.page.url` becomes a nested field. */
export function csvRecordToEvent(record: Record<string, string>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === '') continue;
    const path = key.split('.');
    let o = event;
    for (const k of path.slice(0, -1)) {
      if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
      o = o[k] as Record<string, unknown>;
    }
    o[path[path.length - 1]!] = value;
  }
  return event;
}

/** gzip's magic bytes: how Segment's and RudderStack's archives come, whatever their names. */
async function isGzip(file: string): Promise<boolean> {
  const fd = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await fd.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fd.close();
  }
}

/** `events.csv`, `events.csv.gz`: CSV; anything else is NDJSON. */
const isCsv = (file: string): boolean => extname(file.replace(/\.gz(ip)?$/i, '')).toLowerCase() === '.csv';

/**
 * The file's text: gunzipped when it starts with gzip's magic bytes (several concatenated gzip
 * members, as archives often are, read as one). `onBytes` counts the bytes read from disk, so
 * the progress bar follows the file's size.
 */
function openText(file: string, gzip: boolean, onBytes: (n: number) => void): Readable {
  const stream = createReadStream(file);
  stream.on('data', (chunk) => onBytes(chunk.length));
  if (!gzip) return stream;
  const gunzip = createGunzip();
  stream.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', (err) => stream.destroy(err));
  return stream.pipe(gunzip);
}

/** CSV rows with their line; the header is the first row. A refused row travels as its raw text. */
async function* readCsvRows(stream: Readable, transform: (row: unknown) => unknown): AsyncGenerator<ImportRow> {
  const parser = parseCsv({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true, raw: true });
  stream.on('error', (err) => parser.destroy(err)); // pipe() does not forward it: the loop would wait forever
  let header: string[] | undefined;
  for await (const { record, info, raw } of stream.pipe(parser) as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
    if (!header) {
      header = record;
      continue;
    }
    const problem = csvRowProblem(header, record);
    // The row as it is in the file, for failed_events.
    if (problem) yield { line: info.lines, event: raw.replace(/\r?\n$/, ''), refused: problem };
    else yield { line: info.lines, event: transform(csvRecordToEvent(csvRecord(header, record))) };
  }
}

async function* readRows(file: string, onBytes: (n: number) => void, transform: (row: unknown) => unknown): AsyncGenerator<ImportRow> {
  const stream = openText(file, await isGzip(file), onBytes);
  if (isCsv(file)) {
    yield* readCsvRows(stream, transform);
    return;
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      yield { line: n, event: transform(JSON.parse(line)) };
    } catch {
      // Kept as it is: the pipeline quarantines it (a string is not an event) with the raw text.
      yield { line: n, event: line };
    }
  }
}

export async function openSink(config: Config, sourceName: string | undefined): Promise<Sink> {
  const server = await findRunningServer(config);
  if (server) {
    const { sources } = await server.call<{ sources: { name: string; writeKey: string; revokedAt: string | null }[] }>('GET', '/admin/sources');
    const source = sources.find((s) => !s.revokedAt && s.name === (sourceName ?? 'default'));
    if (!source) throw new Error(`no active source "${sourceName ?? 'default'}" (see touchline sources list)`);
    const auth = 'Basic ' + Buffer.from(source.writeKey + ':').toString('base64');
    return {
      async send(events) {
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(`${server.publicUrl}/v1/batch`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json', 'user-agent': 'touchline-import' },
            body: JSON.stringify({ batch: events }),
          });
          const body = (await res.json()) as IngestResult & { message?: string };
          if (res.status === 503 && attempt < 30) {
            await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
            continue;
          }
          if (res.status !== 200 && res.status !== 400) throw new Error(`the server answered ${res.status}: ${body.message ?? ''}`);
          return body;
        }
      },
      close: async () => undefined,
    };
  }
  const t = await startTouchline(config, { listen: false, log: () => undefined });
  const source = t.sources.list().find((s) => !s.revokedAt && s.name === (sourceName ?? 'default'));
  if (!source) {
    await t.close();
    throw new Error(`no active source "${sourceName ?? 'default'}" (see touchline sources list)`);
  }
  let n = 0;
  return {
    send: (events) =>
      t.ingest(events, {
        sourceId: source.id,
        endpoint: 'touchline import',
        requestId: `import-${process.pid}-${n++}`,
        receivedAt: new Date().toISOString(),
        ip: undefined,
        userAgent: 'touchline-import',
        gpc: false,
      }),
    close: () => t.close(),
  };
}

const isZlibError = (err: unknown): err is Error => err instanceof Error && /^Z_/.test(String((err as NodeJS.ErrnoException).code));

/** Events held to put an import in event-time order (see event-time-order.ts). */
export const DEFAULT_ORDER_WINDOW = 50_000;

/** What an import counts as it goes. */
interface ImportCounts {
  readonly totals: { lines: number; accepted: number; duplicates: number; quarantined: number; lateEvents: number };
  /** Rows refused, by reason. */
  readonly reasons: Map<string, number>;
  readonly bad: ReturnType<typeof badRows>;
}

/** Adds one batch's answer to the counts: each refused row under the import's own reason, else the collector's. */
function countAnswer(r: Awaited<ReturnType<Sink['send']>>, batch: readonly ImportRow[], c: ImportCounts): void {
  c.totals.accepted += r.accepted;
  c.totals.duplicates += r.duplicates;
  c.totals.quarantined += r.rejected.length;
  for (const x of r.rejected) {
    // The import's own reason for a row it refused (the collector only saw text).
    const row = batch[x.index];
    const reason = row?.refused ?? x.reason;
    c.reasons.set(reason, (c.reasons.get(reason) ?? 0) + 1);
    c.bad.add(row?.line ?? 0, reason);
  }
}

/** A gzip file damaged part way: what was imported before the damage, and that importing a repaired file is safe. */
function damagedGzipError(file: string, err: Error, totals: ImportCounts['totals']): Error {
  return new Error(
    `${file}: the gzip data is damaged or cut short (${err.message}) after ${totals.lines} events; ` +
      `those were imported (${totals.accepted} accepted, ${totals.duplicates} duplicates, ${totals.quarantined} quarantined). ` +
      `Events with a messageId are not stored twice if you import a repaired file within dedup.windowHours.`,
  );
}

/**
 * `touchline import <file.ndjson|file.csv>`: historic events through the same validation and
 * spool as live traffic, with a progress bar and a summary of what was quarantined. Either file
 * may be gzipped (detected by its first bytes, whatever its name). Events are sent in event-time
 * order (within `orderWindow` events, @defaultValue {@link DEFAULT_ORDER_WINDOW}) so each is
 * stamped with its visitor's touches as they stood at its time.
 */
export async function importFile(
  config: Config,
  file: string,
  options: { source?: string | undefined; batchSize?: number; progress?: boolean; transform?: (row: unknown) => unknown; orderWindow?: number },
): Promise<ImportSummary> {
  const size = (await stat(file)).size;
  const sink = await openSink(config, options.source);
  const bar = options.progress === false ? null : new SingleBar({ format: 'import [{bar}] {percentage}% | {value}/{total} bytes | {events} events', hideCursor: true });
  bar?.start(size, 0, { events: 0 });
  const reasons = new Map<string, number>();
  const bad = badRows();
  const totals = { lines: 0, accepted: 0, duplicates: 0, quarantined: 0, lateEvents: 0 };
  const batchSize = options.batchSize ?? 500;
  let batch: ImportRow[] = [];
  let bytes = 0;
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    countAnswer(await sink.send(batch.map((row) => row.event)), batch, { totals, reasons, bad });
    batch = [];
    batchBytes = 0;
    bar?.update(bytes, { events: totals.lines });
  };
  try {
    try {
      const rows = readRows(file, (n) => (bytes += n), options.transform ?? ((row) => row));
      for await (const row of inEventTimeOrder(rows, (r) => eventTimeOf(r.event), options.orderWindow ?? DEFAULT_ORDER_WINDOW, () => totals.lateEvents++)) {
        totals.lines++;
        const approx = typeof row.event === 'string' ? row.event.length : JSON.stringify(row.event).length;
        if (batch.length >= batchSize || batchBytes + approx > 400_000) await flush();
        batch.push(row);
        batchBytes += approx;
      }
    } catch (err) {
      if (!isZlibError(err)) throw err;
      // What was read before the damage is as good as any other event: keep it, then say where it broke.
      await flush();
      throw damagedGzipError(file, err, totals);
    }
    await flush();
  } finally {
    bar?.update(size, { events: totals.lines });
    bar?.stop();
    await sink.close();
  }
  const top = [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([reason, count]) => ({ reason, count }));
  return { ...totals, reasons: top, badRows: bad.shown };
}
