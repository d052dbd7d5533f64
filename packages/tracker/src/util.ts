/** ISO-8601 from epoch milliseconds. */
export const iso = (t: number): string => new Date(t).toISOString();

/** A non-null object (host arguments, parsed storage, the collector's answer). */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v == 'object' && v !== null;
