/**
 * Exact decimal money: `"81.07"` → 81_070_000n micros, with no float in between (0.1 + 0.2 never
 * happens to a cost). Ad networks report cost as decimal strings (Meta, LinkedIn, TikTok,
 * Microsoft) or integer micros (Google `cost_micros`); both land as integer micros.
 */
const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Micros of a decimal string, or null when it is no plain decimal or has more than 6 decimals that are not zero. */
export function decimalToMicros(text: string): bigint | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > 6) return null;
  const micros = BigInt(m[2]!) * 1_000_000n + BigInt(frac.padEnd(6, '0') || '0');
  return m[1] ? -micros : micros;
}

/** `81070000n` → `"81.07"`: the exact decimal text of micros. */
export function microsToDecimal(micros: bigint): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const whole = abs / 1_000_000n;
  const frac = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
