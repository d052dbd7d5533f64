import { describe, expect, it } from 'vitest';
import { checkGuards } from '../../src/activation/engine/guards.js';
import { applyMapping, mappedColumns, MappingError, removalRow } from '../../src/activation/engine/field-mapping.js';
import { asInterrupted, canMove, isFinished, RunTransitionError, transition } from '../../src/activation/engine/run-state.js';
import { configFailure } from '../../src/activation/engine/config-failure.js';

const run = (status: Parameters<typeof canMove>[0]) => ({ runId: 'r1', status });

describe('run state machine', () => {
  it('allows the documented moves and refuses the rest', () => {
    expect(transition(run('pending'), 'running').status).toBe('running');
    expect(transition(run('running'), 'rate_limited').status).toBe('rate_limited');
    expect(transition(run('rate_limited'), 'running').status).toBe('running');
    expect(transition(run('paused'), 'running').status).toBe('running');
    expect(() => transition(run('succeeded'), 'running')).toThrow(RunTransitionError);
    expect(() => transition(run('pending'), 'succeeded')).toThrow(/cannot go from pending to succeeded/);
    expect(isFinished('cancelled')).toBe(true);
    expect(isFinished('paused')).toBe(false);
  });

  it('an interrupted run goes through paused', () => {
    expect(asInterrupted(run('running')).status).toBe('paused');
    expect(asInterrupted(run('paused')).status).toBe('paused');
  });
});

describe('blast-radius guards', () => {
  const guards = { maxRemovePercent: 20, maxChangeRatio: 10, minRows: 1000 };
  it('refuses a mirror run clearing more than maxRemovePercent of what was delivered', () => {
    expect(checkGuards({ mode: 'mirror', counts: { add: 0, change: 0, remove: 300 }, delivered: 1000, history: [], guards })).toMatch(/clear 300 of the 1000 rows .*30\.0%/);
    expect(checkGuards({ mode: 'mirror', counts: { add: 0, change: 0, remove: 200 }, delivered: 1000, history: [], guards })).toBeNull();
    expect(checkGuards({ mode: 'upsert', counts: { add: 0, change: 0, remove: 900 }, delivered: 1000, history: [], guards })).toBeNull();
  });
  it('refuses a diff far larger than the usual, once there is a history', () => {
    expect(checkGuards({ mode: 'upsert', counts: { add: 5000, change: 0, remove: 0 }, delivered: 0, history: [100, 300, 200], guards })).toMatch(/25\.0x the usual 200/);
    expect(checkGuards({ mode: 'upsert', counts: { add: 5000, change: 0, remove: 0 }, delivered: 0, history: [100, 300], guards })).toBeNull();
    expect(checkGuards({ mode: 'upsert', counts: { add: 900, change: 0, remove: 0 }, delivered: 0, history: [1, 1, 1], guards })).toBeNull();
  });
});

describe('field mapping', () => {
  const cols = [{ name: 'uid', type: 'VARCHAR' }, { name: 'mail', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }];
  it('maps destination columns from source columns and names a missing one', () => {
    expect(mappedColumns(cols, { email: 'mail' }, 'syncs.x').map(([d, c]) => [d, c.name])).toEqual([['email', 'mail']]);
    expect(() => mappedColumns(cols, { email: 'e_mail' }, 'syncs.x')).toThrow(new MappingError('syncs.x.mapping.email: the source has no column "e_mail" (it returns uid, mail, n)'));
    expect(applyMapping({ uid: 'u1', mail: 'a@b.c', n: 3 }, { email: 'mail', uses: 'n' })).toEqual({ email: 'a@b.c', uses: 3 });
    expect(applyMapping({ uid: 'u1' }, undefined)).toEqual({ uid: 'u1' });
  });
  it('a removal clears every mapped field but the identifying ones', () => {
    expect(removalRow({ email: 'a@b.c', uses: 3, plan: 'pro' }, 'u1', ['email'], ['email', 'uses'])).toEqual({ email: 'a@b.c', uses: null, plan: null });
    expect(removalRow(null, 'u1', ['external_id'], ['external_id', 'uses'])).toEqual({ external_id: 'u1', uses: null });
  });
});

describe('a whole request refused for credentials stops the run', () => {
  const refused = (code: string, httpStatus: number) => ({ ref: 0, status: 'rejected' as const, code, answer: { httpStatus } });
  it('by status or vendor code, only when every row got the same answer', () => {
    expect(configFailure(2, [refused('HTTP_401', 401), refused('HTTP_401', 401)])).toMatch(/check the destination's credentials/);
    expect(configFailure(1, [refused('190', 400)])).not.toBeNull();
    expect(configFailure(2, [refused('100', 400), refused('100', 400)])).toBeNull();
    expect(configFailure(2, [refused('HTTP_401', 401), { ref: 1, status: 'delivered' as const }])).toBeNull();
  });
  it('the credential codes stop the run with or without a vendor answer; one row alone does not', () => {
    const noToken = (code: string, ref = 0) => ({ ref, status: 'rejected' as const, code, reason: `hubspot (${code}): no token` });
    for (const code of ['RECONNECT_REQUIRED', 'AUTH_MISCONFIGURED', 'NO_CREDENTIALS']) {
      expect(configFailure(2, [noToken(code), noToken(code, 1)])).toBe(`hubspot (${code}): no token (the destination has no usable credentials: nothing was recorded as refused; the rows go again once it is fixed)`);
      // The token endpoint answered 400 invalid_grant: the answer rides along, the code decides.
      expect(configFailure(1, [{ ...noToken(code), answer: { httpStatus: 400 } }])).toMatch(/no usable credentials/);
      expect(configFailure(2, [noToken(code), { ref: 1, status: 'rejected' as const, code: 'CONSENT_MISSING' }])).toBeNull();
    }
    // A row refused without an answer for an ordinary reason is that row's problem.
    expect(configFailure(1, [{ ref: 0, status: 'rejected' as const, code: 'CONSENT_MISSING' }])).toBeNull();
    expect(configFailure(2, [noToken('NO_CREDENTIALS'), noToken('RECONNECT_REQUIRED', 1)])).toBeNull();
    // A retryable row with a credential code (the token endpoint is down) is not a config failure.
    expect(configFailure(1, [{ ref: 0, status: 'retryable' as const, code: 'NO_CREDENTIALS' }])).toBeNull();
  });
});
