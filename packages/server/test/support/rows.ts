import { validateEvent, type EventType } from '@touchline/protocol';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEventRow, type RequestFacts } from '../../src/collector/event-row.js';
import { failedRow } from '../../src/collector/ingest.js';
import { createUserAgentParser } from '../../src/collector/user-agent.js';
import { encodeRecords } from '../../src/spool/record-format.js';
import { readSegmentsRows } from '../../src/spool/segment-reader.js';
import { segmentName, SEALED_SUFFIX } from '../../src/spool/segments.js';

let counter = 0;
export const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  sourceId: 'src_test',
  endpoint: '/v1/batch',
  requestId: 'req-1',
  receivedAt: '2026-03-01T12:00:00.000Z',
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
  gpc: false,
  ...over,
});

const deps = {
  parseUserAgent: createUserAgentParser(),
  newMessageId: () => `gen-${++counter}`,
  ipTruncation: 'none' as const,
  maxEventBytes: 32 * 1024,
};

/** The spool line the collector would write for this event. */
export function eventLine(event: Record<string, unknown>, over: Partial<RequestFacts> = {}, type?: EventType): string {
  const v = validateEvent(event, type);
  if (!v.ok) throw new Error(`test event is invalid: ${v.reason}`);
  const r = buildEventRow(v.event, facts(over), deps);
  if (!r.ok) throw new Error(`test event refused: ${r.reason}`);
  return r.line;
}

export function failedLine(raw: unknown, reason: string, over: Partial<RequestFacts> = {}, index = 0): string {
  return failedRow(facts(over), index, raw, reason, 'event');
}

/** Writes a sealed segment file of rows, framed as the spool writes them; returns its path. */
export async function writeSegment(dir: string, seq: number, lines: readonly string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, segmentName(seq, SEALED_SUFFIX));
  await writeFile(path, encodeRecords(lines));
  return path;
}

/** Writes a sealed segment as versions before framed records did (one JSON row per line); returns its path. */
export async function writeLineSegment(dir: string, seq: number, lines: readonly string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, segmentName(seq, SEALED_SUFFIX));
  await writeFile(path, lines.map((l) => l + '\n').join(''));
  return path;
}

/** The `rows` of a load batch read from segment files, as the loader reads them. */
export function fromSegments(files: readonly string[]): { rows: () => AsyncIterable<readonly string[]> } {
  return { rows: () => readSegmentsRows(files) };
}
