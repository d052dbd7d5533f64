import { describe, expect, it } from 'vitest';

describe('credentials in headers', () => {
  it('a token or key with a line break or space is refused at config time, naming the key', async () => {
    const { parseConfig, hubspot, googleAdsClickConversions } = await import('@touchline/destinations');
    const bad = parseConfig(hubspot, { accessToken: 'pat-1\r\nX-Evil: 1' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.join()).toMatch(/hubspot config accessToken: visible ASCII/);
    const dev = parseConfig(googleAdsClickConversions, { developerToken: 'abc def', customerId: '1234567890', conversionActionId: '1' });
    expect(!dev.ok && dev.errors.join()).toMatch(/developerToken/);
    expect(parseConfig(hubspot, { accessToken: 'pat-na1-11111111-2222' }).ok).toBe(true);
  });
});
