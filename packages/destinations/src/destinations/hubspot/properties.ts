import type { SendContext } from '../../contract/context.js';
import { classifyHttp, type Classification, type HttpAnswer } from '../../http/classify.js';
import { joinUrl } from '../../http/request.js';
import { exchangeAuthorized, tokenSource } from '../../auth/authorized-exchange.js';
import type { AuthFailure } from '../../auth/access-token.js';
import { hubspotRule } from './classify-hubspot.js';
import type { HubspotConfig } from './config.js';

type PropertySpec = HubspotConfig['createProperties'][string];

/** HubSpot's field type for each property type (properties API: type and fieldType must agree). */
const FIELD_TYPE: Readonly<Record<PropertySpec['type'], string>> = { string: 'text', number: 'number', date: 'date', datetime: 'date', bool: 'booleancheckbox' };

/** The create body of one property; a `bool` needs its two options. */
export function propertyBody(name: string, p: PropertySpec): Record<string, unknown> {
  return {
    name,
    label: p.label,
    type: p.type,
    fieldType: FIELD_TYPE[p.type],
    groupName: p.groupName,
    ...(p.type === 'bool' ? { options: [{ label: 'Yes', value: 'true', displayOrder: 0 }, { label: 'No', value: 'false', displayOrder: 1 }] } : {}),
  };
}

/** Properties known to exist, per config object (one per resolved destination account and run). */
const ensured = new WeakMap<object, Set<string>>();

export type EnsureResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly auth: AuthFailure; readonly answer?: HttpAnswer }
  | { readonly ok: false; readonly failure: Classification; readonly answer?: HttpAnswer };

/**
 * Creates the configured custom properties before the first upsert that needs them
 * (activation-contracts.md §6; developers.hubspot.com properties API): `POST
 * /crm/v3/properties/contacts`, 201 created, 409 `OBJECT_ALREADY_EXISTS` when it is there
 * already (another process, an earlier run): both mean it exists now. No read first, so the dry
 * run's captured requests show exactly the creations a first run makes. Any other answer stops
 * the batch with the vendor's classification (a 403 for a token without
 * crm.schemas.contacts.write stops the run like any credential refusal).
 */
export async function ensureProperties(ctx: SendContext<HubspotConfig>): Promise<EnsureResult> {
  const { config } = ctx;
  let done = ensured.get(config);
  if (!done) ensured.set(config, (done = new Set()));
  for (const [name, spec] of Object.entries(config.createProperties)) {
    if (done.has(name)) continue;
    const ex = await exchangeAuthorized(ctx, tokenSource(ctx), (t) => ({
      method: 'POST',
      url: joinUrl(config.endpoint, 'crm/v3/properties/contacts'),
      headers: { authorization: `Bearer ${t.accessToken}` },
      body: propertyBody(name, spec),
    }));
    if (!ex.ok) return 'auth' in ex ? { ok: false, auth: ex.auth, ...(ex.answer ? { answer: ex.answer } : {}) } : { ok: false, failure: ex.failure };
    if (ex.answer.status === 201 || ex.answer.status === 200 || ex.answer.status === 409) {
      done.add(name);
      continue;
    }
    return { ok: false, failure: classifyHttp(ex.answer, ctx.clock.now(), [hubspotRule]), answer: ex.answer };
  }
  return { ok: true };
}
