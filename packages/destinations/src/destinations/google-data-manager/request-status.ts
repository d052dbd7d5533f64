import { exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import type { SendContext } from '../../contract/context.js';
import type { AsyncOutcomes, LateResult, PendingRow, Receipt } from '../../contract/outcomes.js';
import type { RowResult } from '../../contract/result.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { googleRule } from './classify-google.js';

/**
 * Data Manager processes an accepted request asynchronously and reports on it through
 * `GET /v1/requestStatus:retrieve?requestId=...` (activation-contracts.md §1.11). The status
 * shape here is our reading of the v1 `RetrieveRequestStatusResponse`: per destination a
 * `requestStatus` (PROCESSING, SUCCESS, PARTIAL_SUCCESS, FAILED, REQUEST_STATUS_UNKNOWN) and
 * `errorInfo.errorCounts[{recordCount, reason}]`: counts per reason, never per record.
 */
interface StatusPerDestination {
  readonly requestStatus?: string;
  readonly errorInfo?: { readonly errorCounts?: readonly { readonly recordCount?: string | number; readonly reason?: string }[] };
}

/** Reasons that mean "Google already had it": the row is delivered (§1.6). */
const ALREADY_THERE = /DUPLICATE_(TRANSACTION_ID|GCLID|GBRAID|WBRAID)/;
const MINUTE = 60_000;

/** Adds the receipt of an accepted request to its delivered rows. */
export function withReceipt<P>(results: RowResult<P>[], body: unknown, sentAt: number): RowResult<P>[] {
  const requestId = (body as { requestId?: unknown } | undefined)?.requestId;
  if (typeof requestId !== 'string' || requestId === '') return results;
  const receipt: Receipt = { requestId, sentAt, rows: results.length };
  return results.map((r) => (r.status === 'delivered' ? { ...r, receipt } : r));
}

function verdict(p: PendingRow, statuses: readonly StatusPerDestination[], now: number, giveUpAfterMs: number): Omit<LateResult, 'ref'> {
  const states = statuses.map((s) => s.requestStatus ?? 'REQUEST_STATUS_UNKNOWN');
  const errors = statuses.flatMap((s) => s.errorInfo?.errorCounts ?? []);
  const reasons = [...new Set(errors.map((e) => e.reason ?? 'UNKNOWN'))];
  const answer = { httpStatus: 200, body: statuses };
  if (states.length === 0 || states.some((s) => s === 'PROCESSING' || s === 'REQUEST_STATUS_UNKNOWN')) {
    if (now - p.receipt.sentAt >= giveUpAfterMs) {
      return { status: 'delivered', code: 'UNCONFIRMED', reason: `Data Manager gave no verdict on request ${p.receipt.requestId} within ${Math.round(giveUpAfterMs / 3_600_000)} h; it was accepted, not confirmed` };
    }
    return { status: 'pending', checkAfterMs: 5 * MINUTE };
  }
  if (states.every((s) => s === 'SUCCESS') || reasons.every((r) => ALREADY_THERE.test(r))) return { status: 'delivered', answer };
  const text = errors.map((e) => `${String(e.recordCount ?? '?')} x ${e.reason ?? 'UNKNOWN'}`).join(', ');
  if (states.some((s) => s === 'FAILED') && !states.some((s) => s === 'SUCCESS' || s === 'PARTIAL_SUCCESS')) {
    return { status: 'rejected', code: reasons[0] ?? 'FAILED', reason: `Data Manager rejected request ${p.receipt.requestId} after accepting it: ${text || 'FAILED'}`, answer };
  }
  // Partial: Google counts errors per reason, not per row. A lone row is the one refused; in a
  // larger request this row may be fine: resend it alone to learn (Google dedups the good ones).
  if (p.receipt.rows === 1) return { status: 'rejected', code: reasons[0] ?? 'PARTIAL_SUCCESS', reason: `Data Manager rejected this row after accepting it: ${text}`, answer };
  return { status: 'rejected', isolate: true, code: 'PARTIAL_SUCCESS', reason: `Data Manager rejected some of the ${p.receipt.rows} rows of request ${p.receipt.requestId} (${text}) without naming them; resend this row alone to learn its verdict`, answer };
}

/** The asynchronous outcomes of Data Manager requests (events and audience members alike). */
export function dataManagerOutcomes<C extends { readonly endpoint: string; readonly accessToken?: string | undefined }>(): AsyncOutcomes<C> {
  const giveUpAfterMs = 24 * 3_600_000;
  return {
    firstCheckAfterMs: 5 * MINUTE,
    giveUpAfterMs,
    async collect(pending: readonly PendingRow[], ctx: SendContext<C>): Promise<LateResult[]> {
      const byRequest = new Map<string, Omit<LateResult, 'ref'>>();
      for (const requestId of new Set(pending.map((p) => p.receipt.requestId))) {
        const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
          method: 'GET',
          url: `${joinUrl(ctx.config.endpoint, 'v1/requestStatus:retrieve')}?${new URLSearchParams({ requestId }).toString()}`,
          headers: { authorization: `Bearer ${t.accessToken}` },
        }));
        if (!ex.ok) {
          byRequest.set(requestId, { status: 'pending', checkAfterMs: 'auth' in ex ? 15 * MINUTE : MINUTE, reason: 'auth' in ex ? ex.auth.reason : ex.failure.kind === 'success' ? '' : ex.failure.reason });
          continue;
        }
        const c = classifyHttp(ex.answer, ctx.clock.now(), [googleRule]);
        if (c.kind !== 'success') {
          byRequest.set(requestId, { status: 'pending', checkAfterMs: c.kind === 'permanent' ? 15 * MINUTE : (c.retryAfterMs ?? MINUTE), reason: `requestStatus: ${c.reason}` });
          continue;
        }
        const list = (ex.answer.body as { requestStatusPerDestination?: StatusPerDestination[] } | undefined)?.requestStatusPerDestination ?? [];
        byRequest.set(requestId, { status: 'pending', answer: { httpStatus: ex.answer.status, body: list } });
      }
      const now = ctx.clock.now();
      return pending.map((p) => {
        const got = byRequest.get(p.receipt.requestId)!;
        if (got.reason !== undefined || !got.answer) return { ref: p.ref, ...got };
        return { ref: p.ref, ...verdict(p, got.answer.body as StatusPerDestination[], now, giveUpAfterMs) };
      });
    },
  };
}
