import { seededRandom } from '@touchline/attribution';
import { alias, identify, order, page } from '../identity/derived-conformance.js';
import { landingSamples } from './attribution-conformance.js';

/**
 * Seeded customer journeys: people with one to three devices, sessions spread over five months
 * landing through every kind of touch, sign-ins on some devices, purchases, a few aliases, a
 * shared device and junk ids. Deterministic, so both engines load exactly the same events.
 */
export function journeys(people: number, seed = 11): Record<string, unknown>[] {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const landings = landingSamples(120, seed);
  const events: Record<string, unknown>[] = [];
  let id = 0;
  const next = () => `j-${seed}-${id++}`;
  const t0 = Date.UTC(2026, 0, 1);
  const iso = (ms: number) => new Date(ms).toISOString();
  for (let p = 0; p < people; p++) {
    const user = random() < 0.75 ? `user-${p}` : undefined;
    const devices = 1 + int(3);
    for (let d = 0; d < devices; d++) {
      const anon = `dev-${p}-${d}`;
      const sessions = 1 + int(5);
      for (let s = 0; s < sessions; s++) {
        let t = t0 + int(150) * 86_400_000 + int(86_400_000);
        const landing = landings[int(landings.length)]!;
        events.push(page(next(), anon, iso(t), landing.url, landing.referrer));
        for (let k = int(4); k > 0; k--) {
          t += (2 + int(9)) * 60_000;
          events.push(page(next(), anon, iso(t), `https://shop.test/p${int(50)}`, 'https://shop.test/'));
        }
        if (user && random() < 0.4) events.push(identify(next(), anon, user, iso(t + 1000), { email: `${user}@corp.test` }));
        if (random() < 0.3) events.push(order(next(), { anon, ...(user && random() < 0.8 ? { user } : {}) }, iso(t + 60_000), Math.round(random() * 20000) / 100));
      }
    }
    if (user && random() < 0.05) events.push(alias(next(), user, `user-${(p + 1) % people}`, iso(t0 + 151 * 86_400_000)));
  }
  // A shared device, junk ids, an email-only conversion.
  events.push(identify(next(), 'dev-0-0', 'user-1', iso(t0 + 152 * 86_400_000)));
  events.push(identify(next(), 'undefined', 'user-2', iso(t0 + 152 * 86_400_000)));
  events.push(page(next(), 'undefined', iso(t0 + 152 * 86_400_000), 'https://shop.test/?utm_source=junk&utm_medium=cpc'));
  events.push({ type: 'track', event: 'Order Completed', messageId: next(), anonymousId: 'email:user-3@corp.test', timestamp: iso(t0 + 153 * 86_400_000), properties: { value: 12 } });
  return events;
}
