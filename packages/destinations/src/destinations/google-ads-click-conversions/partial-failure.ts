/** One error of a `GoogleAdsFailure` (activation-contracts.md §1.8). */
export interface GoogleAdsError {
  readonly errorCode?: Record<string, string>;
  readonly message?: string;
  readonly location?: { readonly fieldPathElements?: readonly { readonly fieldName?: string; readonly index?: number }[] };
}

/** The `conversions[i]` a partial-failure error points at, and its code (`NO_CONVERSION_ACTION_FOUND`). */
export function partialFailureByRow(body: unknown): Map<number, GoogleAdsError & { readonly code: string }> {
  const out = new Map<number, GoogleAdsError & { code: string }>();
  const pfe = (body as { partialFailureError?: { details?: unknown } } | undefined)?.partialFailureError;
  const details = Array.isArray(pfe?.details) ? (pfe.details as { errors?: GoogleAdsError[] }[]) : [];
  for (const d of details) {
    for (const e of Array.isArray(d.errors) ? d.errors : []) {
      const first = e.location?.fieldPathElements?.[0];
      if (first?.fieldName !== 'conversions' || typeof first.index !== 'number' || out.has(first.index)) continue;
      const code = Object.values(e.errorCode ?? {})[0] ?? 'UNKNOWN';
      out.set(first.index, { ...e, code });
    }
  }
  return out;
}

/** Codes that mean "Google already has it" (§1.6): delivered. */
export const ALREADY_THERE = new Set(['CLICK_CONVERSION_ALREADY_EXISTS', 'ORDER_ID_ALREADY_IN_USE']);
/** Codes that mean "too early, try later" (§1.7). */
export const TOO_EARLY = new Set(['TOO_RECENT_EVENT', 'TOO_RECENT_CONVERSION_ACTION']);
