import type { SendContext } from '../../contract/context.js';
import type { BatchItem, RowResult } from '../../contract/result.js';
import { wholeBatch } from '../../contract/row-results.js';
import { classifyHttp } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { authFailureResults, exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import { graphError, metaRule } from './classify-meta.js';
import type { MetaCapiConfig } from './config.js';
import type { MetaServerEvent } from './payload.js';

/**
 * Sends one batch to `POST {endpoint}/{version}/{pixel}/events`. The token travels in the JSON
 * body (`access_token`), which Meta accepts, so it never lands in a URL or an access log.
 * Meta refuses the whole batch for one invalid event and does not say which (§2.2): a refused
 * multi-event batch comes back with every row marked `isolate`.
 */
export async function sendMetaCapi(
  batch: readonly BatchItem<MetaServerEvent>[],
  ctx: SendContext<MetaCapiConfig>,
): Promise<RowResult<MetaServerEvent>[]> {
  const { config } = ctx;
  const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
    method: 'POST',
    url: joinUrl(config.endpoint, `${config.apiVersion}/${config.pixelId}/events`),
    headers: {},
    body: {
      data: batch.map((i) => i.payload),
      ...(config.testEventCode ? { test_event_code: config.testEventCode } : {}),
      access_token: t.accessToken,
    },
  }));
  if (!ex.ok) return 'auth' in ex ? authFailureResults(batch, ex.auth, ex.answer) : wholeBatch(batch, ex.failure);
  const { answer } = ex;
  const c = classifyHttp(answer, ctx.clock.now(), [metaRule(batch.length)]);
  // Only an invalid-parameter refusal can be one row's fault; a token error is everyone's.
  const code = graphError(answer.body)?.code;
  const isolate = c.kind === 'permanent' && code !== 190 && answer.status !== 401 && answer.status !== 403;
  return wholeBatch(batch, c, { answer: { httpStatus: answer.status, body: answer.body }, isolate });
}
