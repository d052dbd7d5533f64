import { expect, it } from 'vitest';

// The ten-line script from README.md, kept runnable here so the README cannot rot.
it('README example: two rows to the HubSpot stand-in', async () => {
  const { deliver, hubspot, systemClock } = await import('@touchline/destinations');
  const { startHubspotStandIn } = await import('@touchline/destinations/testing');

  const standIn = await startHubspotStandIn();
  const config = hubspot.configSchema.parse({ endpoint: standIn.url, accessToken: 'test-token', properties: { plan: 'plan_tier' } });
  const rows = [{ email: 'ada@example.com', plan: 'pro' }, { email: 'grace@example.com', plan: 'enterprise' }];
  const results = await deliver(hubspot, rows, { config, fetch, clock: systemClock });
  console.log(results.map((r) => `${r.ref}: ${r.status}`)); // [ '0: delivered', '1: delivered' ]
  await standIn.close();

  expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
  expect(standIn.count('ada@example.com')).toBe(1);
});
