import { parseProtoDuration } from '../../http/retry-after.js';

/** A google.rpc.Status as the REST binding returns it under `error`. */
export interface GoogleStatus {
  readonly code?: number;
  readonly status?: string;
  readonly message?: string;
  readonly details: readonly Record<string, unknown>[];
}

/** Reads `{error: Status}`, or the `[{error: Status}]` array form some proxies return (§1.8). */
export function googleStatus(body: unknown): GoogleStatus | undefined {
  const root = Array.isArray(body) ? (body[0] as unknown) : body;
  if (!root || typeof root !== 'object') return undefined;
  const error = (root as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; status?: unknown; message?: unknown; details?: unknown };
  return {
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.status === 'string' ? { status: e.status } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    details: Array.isArray(e.details) ? (e.details.filter((d) => d && typeof d === 'object') as Record<string, unknown>[]) : [],
  };
}

/** `google.rpc.RetryInfo.retryDelay`, or Google Ads `quotaErrorDetails.retryDelay` (§1.7). */
export function googleRetryDelayMs(s: GoogleStatus): number | undefined {
  for (const d of s.details) {
    const direct = parseProtoDuration(d['retryDelay']);
    if (direct !== undefined) return direct;
    const errors = Array.isArray(d['errors']) ? (d['errors'] as Record<string, unknown>[]) : [];
    for (const err of errors) {
      const q = (err['details'] as { quotaErrorDetails?: { retryDelay?: unknown } } | undefined)?.quotaErrorDetails;
      const ms = parseProtoDuration(q?.retryDelay);
      if (ms !== undefined) return ms;
    }
  }
  return undefined;
}

/** A `google.rpc.BadRequest` field violation. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
  readonly reason?: string;
}

export function googleFieldViolations(s: GoogleStatus): FieldViolation[] {
  const out: FieldViolation[] = [];
  for (const d of s.details) {
    const list = d['fieldViolations'];
    if (!Array.isArray(list)) continue;
    for (const v of list as Record<string, unknown>[]) {
      out.push({
        field: String(v['field'] ?? ''),
        description: String(v['description'] ?? ''),
        ...(typeof v['reason'] === 'string' ? { reason: v['reason'] } : {}),
      });
    }
  }
  return out;
}

/** The row index a violation points at (`events[3].user_data...`, `audience_members[2]...`), if any. */
export function violationEventIndex(field: string): number | undefined {
  const m = /(?:^|\.)(?:events|audience_members|audienceMembers)\[(\d+)\]/.exec(field);
  return m ? Number(m[1]) : undefined;
}
