import { describe, expect, it } from 'vitest';
import { adConsentRejection, destinations, readFlag } from '@touchline/destinations';

describe('consent guard', () => {
  it('reads consent values warehouses actually hold', () => {
    for (const v of [true, 1, 'true', 'granted', 'GRANTED', 'yes', 'CONSENT_GRANTED']) expect(readFlag(v)).toBe(true);
    for (const v of [false, 0, 'false', 'denied', 'no']) expect(readFlag(v)).toBe(false);
    for (const v of [null, undefined, '', 'maybe', {}]) expect(readFlag(v)).toBeUndefined();
  });

  it('only granted ad_user_data without GPC passes', () => {
    expect(adConsentRejection({ consent_ad_user_data: true })).toBeNull();
    expect(adConsentRejection({})).toMatchObject({ code: 'CONSENT_MISSING', field: 'consent_ad_user_data' });
    expect(adConsentRejection({ consent_ad_user_data: 'denied' })).toMatchObject({ code: 'CONSENT_DENIED' });
    expect(adConsentRejection({ consent_ad_user_data: true, gpc: '1' })).toMatchObject({ code: 'GPC_OPT_OUT', field: 'gpc' });
  });

  it('is wired into every ad network map and into no CRM', () => {
    for (const d of Object.values(destinations)) {
      const out = d.map({ gpc: true, consent_ad_user_data: true } as never, {} as never, { now: 0 });
      if (d.capabilities.adNetwork) expect(out).toMatchObject({ ok: false, rejection: { code: 'GPC_OPT_OUT' } });
      else expect(out.ok ? 'mapped' : out.rejection.code).not.toBe('GPC_OPT_OUT');
    }
  });
});
