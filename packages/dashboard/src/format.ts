const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Whole numbers with thousands separators: what every count on screen uses. */
export const fmtInt = (n: number) => int.format(Math.round(n));
/** Two decimals (credit, revenue). */
export const fmtDec = (n: number) => dec.format(n);
/** A share as a percentage with one decimal, '–' when there is nothing to share. */
export const fmtPct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '–');
