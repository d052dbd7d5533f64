/**
 * Damaged spool bytes, set aside as ordinary quarantine rows (`kind: 'failed'`, the shape of the
 * collector's `failedRow`), so every warehouse stores them in `failed_events` like any refused
 * event: `reason` names the segment file and byte offset, `raw` holds the bytes in base64 (damaged
 * bytes may be anything: NULs, invalid UTF-8, half a character).
 */
export interface SpoolDamage {
  /** Segment file name, e.g. `0000000000000042.seg`. */
  readonly segment: string;
  /** Byte offset of the first damaged byte in the segment file. */
  readonly offset: number;
  readonly bytes: number;
  readonly cause: string;
}

/** Damaged bytes per `failed_events` row: a long damaged stretch becomes several rows. */
export const DAMAGE_ROW_BYTES = 1024 * 1024;

export interface DamagePiece {
  readonly damage: SpoolDamage;
  /** The quarantine row (JSON). */
  readonly row: string;
}

/**
 * The quarantine rows for damaged bytes at `offset` of `segment`. `receivedAt` must be the same on
 * every read of the segment (its mtime), so that a replayed batch writes the same rows and
 * ClickHouse's row key keeps them once.
 */
export function damagePieces(segment: string, offset: number, raw: Buffer, cause: string, receivedAt: string): DamagePiece[] {
  const pieces: DamagePiece[] = [];
  for (let at = 0; at < raw.length; at += DAMAGE_ROW_BYTES) {
    const bytes = raw.subarray(at, at + DAMAGE_ROW_BYTES);
    const damage: SpoolDamage = { segment, offset: offset + at, bytes: bytes.length, cause };
    pieces.push({ damage, row: damageRow(damage, bytes, receivedAt) });
  }
  return pieces;
}

export function damageReason(d: SpoolDamage): string {
  return `spool damage in segment ${d.segment} at byte offset ${d.offset} (${d.bytes} bytes): ${d.cause}; raw holds the damaged bytes in base64`;
}

function damageRow(d: SpoolDamage, bytes: Buffer, receivedAt: string): string {
  return JSON.stringify({ kind: 'failed', received_at: receivedAt, reason: damageReason(d), raw: bytes.toString('base64') });
}
