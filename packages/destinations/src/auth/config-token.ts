import { z } from 'zod';

/**
 * The `accessToken` config key of a token-based destination: a fixed token for tests and simple
 * setups. Optional, because a destination connected through OAuth gets its tokens from the host's
 * token provider (`SendContext.auth`) instead.
 */
export const accessTokenConfig = (what: string) =>
  headerSafe()
    .optional()
    .describe(`${what}. Omit when the destination is connected through OAuth (the host then passes a token provider)`)
    .meta({ secret: true });

/**
 * A credential that travels in an HTTP header: visible ASCII only, so a pasted value with a line
 * break or a stray space is refused at config time (naming the key) instead of failing every
 * request, or splitting a header.
 */
export const headerSafe = () => z.string().regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only (no spaces or line breaks)');
