import { describe, expect, it } from 'vitest';
import {
  hashNormalized,
  isSha256Hex,
  normalizeEmailForGoogle,
  normalizeEmailForMeta,
  normalizeFamilyNameForGoogle,
  normalizeGivenNameForGoogle,
  normalizeNameForMeta,
  normalizePhoneForMeta,
  normalizeZipForMeta,
  normalizeEmailForCrm,
  trimCrmString,
  parseE164,
  sha256Hex,
  toE164,
} from '@touchline/destinations';

// activation-contracts.md §10.3 (verified there with sha256sum).
describe('hash test vectors (§10.3)', () => {
  it.each([
    ['coreytest1231@gmail.com', 'eb9869a32b532840dd6aa714f7a872d21d6f650fc5aa933d9feefc64708969c7'],
    ['+15555555555', '910a625c4ba147b544e6bd2f267e130ae14c591b6ba9c25cb8573322dedbebd0'],
    ['15555555555', '009875cdd7e8a0abe6dc0444d693ff435599e9c68793dac5bc277066d4bc0dc3'],
    ['testid123', '481f202262e9c5ccc48d24e60798fadaa5f6ff1f8369f7ab927c04c3aa682a7f'],
    ['16505551212', 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
  ])('sha256(%s)', (input, hex) => {
    expect(sha256Hex(input)).toBe(hex);
    expect(isSha256Hex(hex)).toBe(true);
  });

  it('normalises then hashes to the vectors, per vendor', () => {
    expect(sha256Hex(normalizeEmailForGoogle(' CoreyTest1231@GMAIL.com ')!)).toBe('eb9869a32b532840dd6aa714f7a872d21d6f650fc5aa933d9feefc64708969c7');
    expect(sha256Hex(toE164('+1 (555) 555-5555')!)).toBe('910a625c4ba147b544e6bd2f267e130ae14c591b6ba9c25cb8573322dedbebd0');
    expect(sha256Hex(normalizePhoneForMeta('+1 555-555-5555')!)).toBe('009875cdd7e8a0abe6dc0444d693ff435599e9c68793dac5bc277066d4bc0dc3');
    expect(sha256Hex(normalizePhoneForMeta('+1 650 555 1212')!)).toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
  });

  it('passes pre-hashed values through (lowercased) instead of hashing twice', () => {
    const h = 'EB9869A32B532840DD6AA714F7A872D21D6F650FC5AA933D9FEEFC64708969C7';
    expect(hashNormalized(h)).toBe(h.toLowerCase());
    expect(isSha256Hex(h)).toBe(false);
  });
});

describe('email normalisation', () => {
  it('Google strips dots and +tags only for gmail.com / googlemail.com', () => {
    expect(normalizeEmailForGoogle('Core.Y.test+x@GMAIL.com')).toBe('coreytest@gmail.com');
    expect(normalizeEmailForGoogle('cloudy.sanfrancisco+shopping@googlemail.com')).toBe('cloudysanfrancisco@googlemail.com');
    expect(normalizeEmailForGoogle('user.name+NYC@Example.com')).toBe('user.name+nyc@example.com');
    expect(normalizeEmailForGoogle(' a b@example.com ')).toBe('ab@example.com');
    expect(normalizeEmailForGoogle('not-an-email')).toBeNull();
  });

  it('Meta only trims and lowercases, so the hashes differ from Google', () => {
    expect(normalizeEmailForMeta(' Core.Y.test+x@GMAIL.com ')).toBe('core.y.test+x@gmail.com');
    expect(sha256Hex(normalizeEmailForMeta('Core.Y.test+x@GMAIL.com')!)).not.toBe(sha256Hex(normalizeEmailForGoogle('Core.Y.test+x@GMAIL.com')!));
  });
});

describe('phone normalisation (libphonenumber-js)', () => {
  it("builds E.164 from international forms, or national ones in the default country (Google's (800)555-0100 example)", () => {
    expect(toE164('(800)555-0100', 'US')).toBe('+18005550100');
    expect(toE164('0044 20 7946 0958')).toBe('+442079460958');
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(toE164('030 123456', 'DE')).toBe('+4930123456');
    expect(toE164('+1 800 555 0100 ext 12')).toBe('+18005550100');
    expect(toE164('+1 (650) 555-1212', 'GB')).toBe('+16505551212'); // its own +1 wins over the default
  });

  it('keeps the vendors\' published test numbers written internationally (possible, though unassigned)', () => {
    expect(toE164('+1 555 555 5555')).toBe('+15555555555');
    expect(sha256Hex(toE164('+1 (555) 555-5555')!)).toBe('910a625c4ba147b544e6bd2f267e130ae14c591b6ba9c25cb8573322dedbebd0');
  });

  it('refuses a national number that is not valid in the default country instead of making it someone else\'s', () => {
    // A UK number with a US default would become +1 020..., a US one with a UK default +44 415...
    expect(parseE164('020 7946 0958', 'US')).toEqual({ ok: false, problem: 'not_possible' });
    expect(parseE164('415 555 0100', 'GB')).toEqual({ ok: false, problem: 'not_valid_for_country' });
    expect(parseE164('555-555-5555', 'US')).toEqual({ ok: false, problem: 'not_valid_for_country' });
    expect(toE164('415 555 0100', 'US')).toBe('+14155550100');
  });

  it('Meta\'s phone form from national numbers: country code added, national 0 dropped, no +', () => {
    // Meta's docs example (650) 555-1212 in the US is 16505551212 (activation-contracts.md §2.4, §10.3).
    expect(sha256Hex(normalizePhoneForMeta('(650) 555-1212', 'US')!)).toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
    expect(normalizePhoneForMeta('07911 123456', 'GB')).toBe('447911123456');
    expect(toE164('+44 (0)20 7946 0958')).toBe('+442079460958'); // the UK's written "(0)" trunk prefix
    expect(toE164('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(toE164('0151 12345678', 'DE')).toBe('+4915112345678');
  });

  it('a national number under the wrong default country is refused in every direction, never re-homed', () => {
    for (const [n, c] of [['07911 123456', 'US'], ['07911 123456', 'FR'], ['06 12 34 56 78', 'US'], ['06 12 34 56 78', 'GB'], ['(650) 555-1212', 'GB'], ['(650) 555-1212', 'FR'], ['0151 12345678', 'GB']] as const) {
      expect(parseE164(n, c).ok, `${n} read as ${c}`).toBe(false);
      expect(normalizePhoneForMeta(n, c), `${n} read as ${c}`).toBeNull();
    }
  });

  it('refuses to guess a country or accept garbage', () => {
    expect(parseE164('800 555 0100')).toEqual({ ok: false, problem: 'no_country' });
    expect(toE164('800 555 0100', 'usa')).toBeNull();
    expect(parseE164('call me', 'US')).toEqual({ ok: false, problem: 'letters' });
    expect(parseE164('1-800-FLOWERS', 'US')).toEqual({ ok: false, problem: 'letters' });
    expect(toE164('+12')).toBeNull();
    expect(toE164('+1234567890123456')).toBeNull();
    expect(toE164('   ', 'US')).toBeNull();
  });
});

describe('CRM values', () => {
  it('e-mails are trimmed and lowercased; junk is refused', () => {
    expect(normalizeEmailForCrm('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmailForCrm('not an email')).toBeNull();
    // What warehouses and CSV imports leave behind: tabs, CRLF, a byte-order mark, non-breaking spaces.
    expect(normalizeEmailForCrm('\uFEFF Ada@Example.com\r\n')).toBe('ada@example.com');
    expect(normalizeEmailForCrm('\u00a0ada@example.com\t')).toBe('ada@example.com');
    expect(normalizeEmailForCrm('ada @example.com')).toBeNull();
    expect(trimCrmString('\u00a0 Acme Ltd \t\n')).toBe('Acme Ltd');
    expect(trimCrmString('  inner  spaces  kept ')).toBe('inner  spaces  kept');
  });
});

describe('names and addresses', () => {
  it('Google drops prefixes from given names and suffixes from family names', () => {
    expect(normalizeGivenNameForGoogle(' Mrs. Ada ')).toBe('ada');
    expect(normalizeFamilyNameForGoogle('Lovelace Jr.')).toBe('lovelace');
  });

  it('Meta keeps letters and digits only, and US zips to 5 digits', () => {
    expect(normalizeNameForMeta("O'Brien-Smith")).toBe('obriensmith');
    expect(normalizeNameForMeta('Zoë')).toBe('zoë');
    expect(normalizeZipForMeta('94025-1234', 'us')).toBe('94025');
    expect(normalizeZipForMeta('SW1A 1AA', 'gb')).toBe('sw1a1aa');
  });
});
