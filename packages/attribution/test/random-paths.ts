import { seededRandom, type PathInput } from '../src/index.js';

export const CHANNELS = ['Paid Search', 'Email', 'Organic Search', 'Display', 'Referral', '(direct)', 'Paid Social', 'Affiliates'] as const;

/** Seeded random conversion paths with times and milestones, for invariant tests. */
export function randomPaths(count: number, seed: number, opts: { channels?: number; maxLength?: number } = {}): PathInput[] {
  const random = seededRandom(seed);
  const nChannels = opts.channels ?? 6;
  const names = Array.from({ length: nChannels }, (_, i) => CHANNELS[i] ?? `ch${i}`);
  const maxLength = opts.maxLength ?? 7;
  const pick = (n: number) => Math.floor(random() * n);
  const out: PathInput[] = [];
  const end = Date.UTC(2024, 5, 1);
  for (let k = 0; k < count; k++) {
    const len = pick(maxLength + 1);
    const path = Array.from({ length: len }, () => names[pick(nChannels)] as string);
    const converting = random() < 0.6;
    const conversions = converting ? 1 + pick(3) : 0;
    const times: number[] = [];
    let t = end - pick(120) * 86_400_000;
    for (let i = 0; i < len; i++) {
      times.push(t);
      t += pick(5 * 86_400_000);
    }
    const lead = len ? pick(len) : undefined;
    const opportunity = lead !== undefined ? lead + pick(len - lead) : undefined;
    const close = opportunity !== undefined ? opportunity + pick(len - opportunity) : undefined;
    out.push({
      path,
      conversions,
      value: converting ? Math.round(random() * 20000) / 100 : 0,
      nulls: converting ? pick(2) : 1 + pick(4),
      times,
      converted_at: t,
      ...(lead !== undefined && opportunity !== undefined && close !== undefined ? { milestones: { lead, opportunity, close } } : {}),
    });
  }
  return out;
}
