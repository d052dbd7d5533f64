import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock/clock.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { writeCampaigns, type CampaignMeta } from '../campaigns.js';
import type { SpendRow } from '../spend-row.js';
import { writeSpend } from '../write-spend.js';
import { fixFor } from './pull-fixes.js';
import { lastPulledDay, PULL_LOAD_PREFIX } from './pull-state.js';
import { daysOf, pullWindow } from './pull-window.js';
import { SpendPullError, type SpendPullContext, type SpendPullFailure, type SpendSource } from './spend-source.js';

/** One configured spend connection, as the runner needs it. */
export interface PullTarget {
  /** The key under `spend.pull.connections`. */
  readonly name: string;
  readonly network: string;
  readonly accounts: readonly string[];
  /** The destination whose OAuth grant provides the token, when one does. */
  readonly connection?: string | undefined;
}

export interface PullRunnerDeps {
  readonly warehouse: Warehouse;
  /** network → source (sources.ts). */
  readonly sources: Readonly<Record<string, SpendSource>>;
  /** What a target's source may use: its fetch, tokens and credentials. */
  readonly context: (target: PullTarget) => SpendPullContext;
  readonly clock: Clock;
  /** Days re-pulled by default (networks restate recent days). */
  readonly lookbackDays: number;
  readonly newId?: () => string;
  readonly onProgress?: (p: PullProgress) => void;
}

/** Which accounts to pull and which days; all optional. */
export interface PullFilter {
  readonly network?: string | undefined;
  readonly account?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

export interface PullProgress {
  readonly target: string;
  readonly network: string;
  readonly account: string;
  readonly phase: 'start' | 'page' | 'written' | 'failed';
  readonly pages: number;
  readonly rows: number;
}

interface OutcomeBase {
  readonly target: string;
  readonly network: string;
  readonly account: string;
  readonly since: string | null;
  readonly until: string | null;
}
/** What became of one account: written, or why not and the command that fixes it. */
export type AccountOutcome =
  | (OutcomeBase & { readonly ok: true; readonly rows: number; readonly days: number; readonly campaigns: number; readonly pages: number })
  | (OutcomeBase & { readonly ok: false; readonly failure: SpendPullFailure; readonly message: string; readonly fix: string });

/** The accounts the filter selects, each with its target. */
export function selectAccounts(targets: readonly PullTarget[], f: PullFilter): { target: PullTarget; account: string }[] {
  return targets
    .filter((t) => f.network === undefined || t.network === f.network)
    .flatMap((t) => t.accounts.map((account) => ({ target: t, account })))
    .filter((a) => f.account === undefined || a.account === f.account || a.account.replace(/-/g, '') === f.account.replace(/-/g, ''));
}

/** The newest metadata of each campaign in the pull, once (one statement must not upsert a key twice). */
const lastOfEach = (campaigns: readonly CampaignMeta[]) => [...new Map(campaigns.map((c) => [`${c.network}\u0000${c.campaignId}`, c])).values()];

/** Reads a whole window first: a day is written only from a complete answer (never half of a restatement). */
async function readWindow(source: SpendSource, target: PullTarget, account: string, w: { since: string; until: string }, d: PullRunnerDeps) {
  const rows: SpendRow[] = [];
  const campaigns: CampaignMeta[] = [];
  let pages = 0;
  for await (const page of source.pull({ account, since: w.since, until: w.until }, d.context(target))) {
    pages++;
    rows.push(...page.rows);
    campaigns.push(...page.campaigns);
    d.onProgress?.({ target: target.name, network: target.network, account, phase: 'page', pages, rows: rows.length });
  }
  return { rows, campaigns, pages };
}

/** Rows of another network, account or day would replace days this pull never asked for. */
function checkRows(rows: readonly SpendRow[], network: string, key: string, w: { since: string; until: string }): void {
  const stray = rows.find((r) => r.network !== network || r.account !== key || r.date < w.since || r.date > w.until);
  if (stray) throw new SpendPullError(network, 'contract', `a row for ${stray.network} ${stray.account} ${stray.date} came back from a pull of ${key} ${w.since}..${w.until}`);
}

/** One account: its window, its rows, and the days replaced whole (empty days too: a campaign that stopped). */
async function pullAccount(d: PullRunnerDeps, target: PullTarget, account: string, f: PullFilter): Promise<AccountOutcome> {
  const base = { target: target.name, network: target.network, account };
  const source = d.sources[target.network];
  const failed = (failure: SpendPullFailure, message: string, w: { since: string; until: string } | null): AccountOutcome => {
    d.onProgress?.({ ...base, phase: 'failed', pages: 0, rows: 0 });
    return { ...base, since: w?.since ?? null, until: w?.until ?? null, ok: false, failure, message, fix: fixFor(failure, target, account, w) };
  };
  if (!source) return failed('refused', `no spend source for network "${target.network}" (known: ${Object.keys(d.sources).join(', ')})`, null);
  let w: { since: string; until: string } | null = null;
  try {
    const key = source.accountKey ? source.accountKey(account) : account;
    const today = new Date(d.clock.now()).toISOString().slice(0, 10);
    const win = pullWindow({ today, lookbackDays: d.lookbackDays, lastPulled: await lastPulledDay(d.warehouse, target.network, key), since: f.since, until: f.until });
    if ('error' in win) return failed('refused', win.error, null);
    w = win;
    d.onProgress?.({ ...base, phase: 'start', pages: 0, rows: 0 });
    const got = await readWindow(source, target, account, win, d);
    checkRows(got.rows, target.network, key, win);
    const nowMs = d.clock.now();
    const days = daysOf(win.since, win.until).map((date) => ({ network: target.network, account: key, date }));
    const written = await writeSpend(d.warehouse, got.rows, { loadId: `${PULL_LOAD_PREFIX}${target.network}-${(d.newId ?? randomUUID)()}`, nowMs, origin: `pull:${target.network}`, days });
    const campaigns = await writeCampaigns(d.warehouse, lastOfEach(got.campaigns), nowMs);
    d.onProgress?.({ ...base, phase: 'written', pages: got.pages, rows: got.rows.length });
    return { ...base, account: key, since: win.since, until: win.until, ok: true, rows: written.rows, days: written.days, campaigns, pages: got.pages };
  } catch (err) {
    if (err instanceof SpendPullError) return failed(err.failure, err.message, w);
    throw err;
  }
}

/**
 * `touchline spend pull`: every selected account, one after another (the networks' quotas are
 * per developer token or app, so parallel pulls would only meet them sooner). One account's
 * failure does not stop the others; each outcome says what was written or what to do.
 */
export async function runSpendPull(d: PullRunnerDeps, targets: readonly PullTarget[], f: PullFilter = {}): Promise<AccountOutcome[]> {
  const out: AccountOutcome[] = [];
  for (const { target, account } of selectAccounts(targets, f)) out.push(await pullAccount(d, target, account, f));
  return out;
}
