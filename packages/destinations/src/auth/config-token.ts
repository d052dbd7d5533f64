import { z } from 'zod';

/**
 * The `accessToken` config key of a token-based destination: a fixed token for tests and simple
 * setups. Optional, because a destination connected through OAuth gets its tokens from the host's
 * token provider (`SendContext.auth`) instead.
 */
export const accessTokenConfig = (what: string) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(`${what}. Omit when the destination is connected through OAuth (the host then passes a token provider)`)
    .meta({ secret: true });
