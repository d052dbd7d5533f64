import { UTM_KEYS, isTagged, type Touch } from './touch.js';

/**
 * The event types that are **arrivals**: a visitor landing on a page or a screen (the site
 * helper's landings are `page` events). Only arrivals start touches and sessions; `track`,
 * `identify`, `group` and `alias` never do, even on a URL that still carries the landing's UTMs.
 */
export const ARRIVAL_TYPES = ['page', 'screen'] as const;

/** Whether an event of this type is an arrival (see {@link ARRIVAL_TYPES}). */
export function isArrival(type: unknown): boolean {
  return type === 'page' || type === 'screen';
}

/**
 * Referrers that never start a new marketing touch: payment providers and sign-in pages that the
 * visitor round-trips through (a Stripe checkout return is not a "referral from stripe.com").
 * Matched against the referrer host and every parent domain.
 */
export const DEFAULT_REFERRAL_EXCLUSIONS: readonly string[] = [
  // payments
  'paypal.com',
  'stripe.com',
  'klarna.com',
  'afterpay.com',
  'clearpay.co.uk',
  'affirm.com',
  'adyen.com',
  'mollie.com',
  'checkout.com',
  'paddle.com',
  'sofort.com',
  'pay.google.com',
  'pay.amazon.com',
  'payments.amazon.com',
  'sagepay.com',
  'worldpay.com',
  'authorize.net',
  'braintreegateway.com',
  '3dsecure.io',
  'arcot.com',
  'cardinalcommerce.com',
  // sign-in
  'accounts.google.com',
  'login.microsoftonline.com',
  'login.live.com',
  'appleid.apple.com',
  'auth0.com',
  'okta.com',
  'onelogin.com',
];

/** `host` equals `domain` or is a subdomain of it. */
export function hostMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith('.' + domain);
}

export interface TouchRuleOptions {
  /** The site's own domains: a referrer inside them is internal navigation. */
  siteDomains: readonly string[];
  /** Referral exclusions. @defaultValue {@link DEFAULT_REFERRAL_EXCLUSIONS} */
  referralExclusions?: readonly string[];
}

export const TouchKind = {
  /** UTMs or a click id. */
  Campaign: 'campaign',
  /** An external, non-excluded referrer. */
  Referral: 'referral',
  /** Nothing: typed URL, bookmark, internal navigation or an excluded referrer. */
  Direct: 'direct',
} as const;
export type TouchKind = (typeof TouchKind)[keyof typeof TouchKind];

/**
 * The touch's referrer domain when it is a referral: outside the site's domains and the referral
 * exclusions. `undefined` for no referrer, internal navigation and excluded referrers.
 */
export function externalReferrer(t: Touch, opts: TouchRuleOptions): string | undefined {
  const d = t.referrer_domain;
  if (!d || opts.siteDomains.some((s) => hostMatches(d, s))) return undefined;
  const ex = opts.referralExclusions ?? DEFAULT_REFERRAL_EXCLUSIONS;
  return ex.some((s) => hostMatches(d, s)) ? undefined : d;
}

/** Classifies a landing: is it a new marketing touch, and of which kind? */
export function classifyTouch(t: Touch, opts: TouchRuleOptions): TouchKind {
  if (isTagged(t)) return TouchKind.Campaign;
  return externalReferrer(t, opts) ? TouchKind.Referral : TouchKind.Direct;
}

/**
 * Two arrivals are the same marketing touch when their UTMs, click id and external referrer agree:
 * a referrer inside the site or excluded counts as none, so an SPA page view that keeps the
 * landing's UTMs (its referrer is the previous page) repeats the landing rather than starting a
 * touch. The warehouse's sessions compare landings the same way (`touchSignatureSql`).
 */
export function sameArrival(a: Touch, b: Touch, opts: TouchRuleOptions): boolean {
  return (
    UTM_KEYS.every((k) => (a[k] ?? '') === (b[k] ?? '')) &&
    (a.click_id ?? '') === (b.click_id ?? '') &&
    (externalReferrer(a, opts) ?? '') === (externalReferrer(b, opts) ?? '')
  );
}

/** What a visitor's browser and the server remember about its touches. */
export interface TouchState {
  /** The first marketing touch ever seen: written once, never overwritten. */
  first?: Touch;
  /** The latest marketing touch: overwritten by each new marketing touch, never by direct. */
  last?: Touch;
  /** The touch that opened the current session (may be direct). */
  session?: Touch;
  /** Last activity (ISO-8601), for the 30-minute session rule. */
  seen?: string;
}

/** @defaultValue 30 minutes, as Google Analytics. */
export const DEFAULT_SESSION_TIMEOUT_MS = 30 * 60 * 1000;

export interface ApplyTouchOptions extends TouchRuleOptions {
  sessionTimeoutMs?: number;
}

/**
 * The touch rules for one **arrival** (see {@link isArrival}), as one pure step: given the stored
 * state, the arrival's landing touch and its time, returns the new state. First touch is set once;
 * last touch follows every new marketing touch and never a direct visit; a session starts at an
 * arrival after inactivity or with a new campaign. Any other event goes through
 * {@link applyActivity} instead: it never starts a touch or a session.
 */
export function applyTouch(
  state: TouchState,
  landing: Touch,
  nowIso: string,
  opts: ApplyTouchOptions,
): TouchState {
  const kind = classifyTouch(landing, opts);
  const timeout = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  // no session open: never seen, or only activity before this first arrival, or idle too long
  const idle = !state.seen || !state.session || Date.parse(nowIso) - Date.parse(state.seen) > timeout;
  const marketing = kind !== TouchKind.Direct;
  const touch: Touch = { ...landing, at: landing.at ?? nowIso };
  const next: TouchState = { ...state, seen: nowIso };
  const repeat = marketing && !idle && sameArrival(state.session!, touch, opts);
  if (marketing && !repeat) {
    if (!state.first) next.first = touch;
    next.last = touch;
  }
  if (idle || (marketing && !repeat)) next.session = marketing ? touch : { at: nowIso, ...landingOnly(landing) };
  return next;
}

/**
 * A non-arrival event on the site (`track`, `identify`, `group`, `alias` naming a page): activity
 * that keeps the session open, never a touch and never a session start.
 */
export function applyActivity(state: TouchState, nowIso: string): TouchState {
  return { ...state, seen: nowIso };
}

function landingOnly(t: Touch): Touch {
  const out: Touch = {};
  if (t.url) out.url = t.url;
  if (t.referrer) out.referrer = t.referrer;
  if (t.referrer_domain) out.referrer_domain = t.referrer_domain;
  return out;
}
