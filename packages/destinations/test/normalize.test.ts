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
    expect(sha256Hex(normalizePhoneForMeta('555-555-5555', '1')!)).toBe('009875cdd7e8a0abe6dc0444d693ff435599e9c68793dac5bc277066d4bc0dc3');
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

describe('phone normalisation', () => {
  it('builds E.164 from international forms, or national ones with a calling code', () => {
    expect(toE164('(800)555-0100', '1')).toBe('+18005550100');
    expect(toE164('0044 20 7946 0958')).toBe('+442079460958');
    expect(toE164('020 7946 0958', '44')).toBe('+442079460958');
    expect(toE164('+1 800 555 0100 ext 12')).toBe('+18005550100');
  });

  it('refuses to guess a country or accept garbage', () => {
    expect(toE164('800 555 0100')).toBeNull();
    expect(toE164('call me')).toBeNull();
    expect(toE164('+12')).toBeNull();
    expect(toE164('+1234567890123456')).toBeNull();
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
