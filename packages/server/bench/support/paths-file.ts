import { GA4_DEFAULT_CHANNEL_RULES, seededRandom } from '@touchline/attribution';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * The level the paths are at: `campaign`, 361 values of 20–40 characters (`source / medium /
 * campaign`, and `(direct)`), or `channel`, GA4's 18 default channels (5–25 characters).
 */
export type PathsLevel = 'campaign' | 'channel';

/** What the generated paths file holds. */
export interface PathsFileShape {
  readonly level: PathsLevel;
  readonly paths: number;
  readonly touches: number;
  readonly bytes: number;
  readonly levelValues: number;
}

const SOURCES = ['google', 'bing', 'facebook', 'linkedin', 'newsletter', 'partner.io', 'tiktok', 'youtube', 'reddit', '(direct)'];
const MEDIUMS = ['cpc', 'paid_social', 'email', 'referral'];
const CAMPAIGNS = ['brand', 'spring_sale', 'retargeting', 'webinar_q3', 'launch', 'black_friday', 'trial', 'pricing', 'case_study', 'always_on'];

/** The values a path's touches are drawn from, each equally likely (duplicates weigh more). */
function levelValues(level: PathsLevel): string[] {
  if (level === 'channel') return GA4_DEFAULT_CHANNEL_RULES.map((r) => r.channel);
  // A tenth of the draws are `(direct)`, a direct touch.
  return SOURCES.flatMap((s) => MEDIUMS.flatMap((m) => CAMPAIGNS.map((c) => (s === '(direct)' ? '(direct)' : `${s} / ${m} / ${c}`))));
}

/**
 * Writes `count` distinct conversion paths as NDJSON, the `touchline attribute --paths` format:
 * touches drawn from the level's values, 1–12 per path (geometric; paths that repeat an earlier
 * one are drawn again, so the mean is higher at channel level, where short paths run out),
 * epoch-millisecond times, a conversion time and lead / opportunity / close milestones on every
 * line (so time decay, W-shaped and full path run), 70% converting with a value, the rest one
 * non-converting journey. Seeded: the same file every run.
 */
export async function writePathsFile(file: string, count: number, level: PathsLevel = 'campaign', seed = 11): Promise<PathsFileShape> {
  const random = seededRandom(seed);
  const values = levelValues(level);
  const distinctValues = [...new Set(values)];
  const meanLength = level === 'channel' ? 4.5 : 2.3;
  const out = createWriteStream(file);
  const seen = new Set<string>();
  const end = Date.UTC(2026, 5, 1);
  let touches = 0;
  let bytes = 0;
  let batch: string[] = [];
  while (seen.size < count) {
    const len = 1 + (Math.floor(-Math.log(1 - random()) * meanLength) % 12);
    const path = Array.from({ length: len }, () => values[Math.floor(random() * values.length)] as string);
    const key = path.join('\u001f');
    if (seen.has(key)) continue;
    seen.add(key);
    const times: number[] = [];
    let t = end - Math.floor(random() * 60) * 86_400_000;
    for (let i = 0; i < len; i++) {
      times.push(t);
      t += Math.floor(random() * 3 * 86_400_000);
    }
    const lead = Math.floor(random() * len);
    const opportunity = lead + Math.floor(random() * (len - lead));
    const converting = random() < 0.7;
    const line = JSON.stringify({
      path,
      conversions: converting ? 1 : 0,
      value: converting ? Math.round(random() * 20000) / 100 : 0,
      nulls: converting ? 0 : 1,
      times,
      converted_at: t,
      milestones: { lead, opportunity, close: len - 1 },
    });
    touches += len;
    bytes += line.length + 1;
    batch.push(line);
    if (batch.length === 5000) {
      if (!out.write(batch.join('\n') + '\n')) await once(out, 'drain');
      batch = [];
    }
  }
  if (batch.length > 0) out.write(batch.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return { level, paths: count, touches, bytes, levelValues: distinctValues.length };
}
