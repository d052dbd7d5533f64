import type { MappedBatch } from '../ingest.js';

/** One event of another protocol as a Segment event, or why it cannot be one (in that protocol's words). */
export type Mapping =
  | { readonly ok: true; readonly event: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string; readonly field: string };

export const refuse = (field: string, reason: string): Mapping => ({ ok: false, field, reason });

/** The events to ingest and the batch description ingest quarantines refused events with. */
export function toIngest(raw: readonly unknown[], mapped: readonly Mapping[], fieldName: (f: string) => string): { events: unknown[]; batch: MappedBatch } {
  const refused = new Map<number, { reason: string; field: string }>();
  const events = mapped.map((m, i) => {
    if (m.ok) return m.event;
    refused.set(i, { reason: m.reason, field: m.field });
    return undefined;
  });
  return { events, batch: { raw, refused, fieldName } };
}

/** A field-name table as a function; names not in it are the protocol's too. */
export function fieldNames(table: Readonly<Record<string, string>>): (f: string) => string {
  return (f) => table[f] ?? f;
}
