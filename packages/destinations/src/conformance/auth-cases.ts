import { expect, it } from 'vitest';
import type { AccessTokenProvider, TokenResult } from '../auth/access-token.js';
import { deliver } from '../contract/deliver.js';
import type { SuiteScope } from './suite-scope.js';

/** A provider that hands out `tokens` in turn: the next one each time the API refuses one. */
export function scriptedProvider(tokens: readonly string[]): AccessTokenProvider & { readonly refusals: string[] } {
  let i = 0;
  const refusals: string[] = [];
  const current = (): TokenResult => ({ ok: true, token: { accessToken: tokens[Math.min(i, tokens.length - 1)]! } });
  return {
    canRefresh: true,
    refusals,
    token: async () => current(),
    rejected: async (t) => {
      refusals.push(t);
      i++;
      return current();
    },
    state: () => ({ status: 'healthy', provider: 'scripted' }),
  };
}

const withoutToken = <C>(config: C): C => {
  const { accessToken: _dropped, ...rest } = config as Record<string, unknown>;
  return rest as C;
};

/**
 * Credentials through the contract: a token-based destination takes its token from
 * `SendContext.auth` when the config has none, refreshes once on a 401 (OAuth), and sends
 * nothing without credentials.
 */
export function authCases<C, P>(s: SuiteScope<C, P>): void {
  const dest = s.harness.destination;
  const auth = dest.capabilities.auth;

  it('takes its credentials the way capabilities.auth declares', async () => {
    if (auth.kind === 'key') {
      expect(auth.configKeys.length).toBeGreaterThan(0);
      const schema = dest.configSchema as unknown as { shape?: Record<string, unknown> };
      for (const k of auth.configKeys) expect(Object.keys(schema.shape ?? {})).toContain(k);
      return;
    }
    const provider = scriptedProvider(['test-token']);
    const results = await deliver(dest, s.harness.rows(2, 'provider'), s.ctx({ config: withoutToken(s.config()), auth: provider }));
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(provider.refusals).toEqual([]);
  });

  it('on a 401 asks the token provider once for a new token and resends (OAuth)', async () => {
    if (auth.kind !== 'oauth') {
      expect(auth.kind === 'key' || auth.note.length > 0).toBe(true);
      return;
    }
    expect(auth.scopes.length).toBeGreaterThan(0);
    const provider = scriptedProvider(['expired-token', 'test-token']);
    const results = await deliver(dest, s.harness.rows(2, 'refresh'), s.ctx({ config: withoutToken(s.config()), auth: provider }));
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(provider.refusals).toEqual(['expired-token']);
    expect(s.standIn().requests).toHaveLength(2);
    expect(s.standIn().requests[0]!.status).toBe(401);
    const dead = scriptedProvider(['expired-token', 'still-wrong']);
    const refused = await deliver(dest, s.harness.rows(1, 'refresh-dead'), s.ctx({ config: withoutToken(s.config()), auth: dead }));
    // Refreshed once, refused again: no third try, and the answer is the vendor's 401.
    expect(refused[0]).toMatchObject({ status: 'rejected', answer: { httpStatus: 401 } });
    expect(dead.refusals).toEqual(['expired-token']);
  });

  it('sends nothing without credentials', async () => {
    if (auth.kind === 'key') {
      expect(auth.configKeys.length).toBeGreaterThan(0);
      return;
    }
    const results = await deliver(dest, s.harness.rows(1, 'nocreds'), s.ctx({ config: withoutToken(s.config()) }));
    expect(results[0]).toMatchObject({ status: 'rejected', code: 'NO_CREDENTIALS' });
    expect(s.standIn().requests).toHaveLength(0);
  });
}
