/** Small readers for untrusted JSON inside the stand-ins. */
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
export const asArray = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
export const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
