import type { SpendPullFailure } from './spend-source.js';

/** The command (or config change) that deals with a failed pull of one account. */
export function fixFor(failure: SpendPullFailure, target: { readonly name: string; readonly network: string; readonly connection?: string | undefined }, account: string, w: { since: string; until: string } | null): string {
  const again = `touchline spend pull --network ${target.network} --account ${account}${w ? ` --since ${w.since} --until ${w.until}` : ''}`;
  switch (failure) {
    case 'auth':
      return target.connection
        ? `touchline destinations connect ${target.connection} (a user who can read ${account}), then ${again}`
        : `renew the token spend.pull.connections.${target.name}.credentials.accessToken points to, then ${again}`;
    case 'throttled':
      return `wait for the network's quota to refill, then ${again}`;
    case 'partial':
      return `nothing of the window was written; run ${again}`;
    case 'refused':
      return `fix spend.pull.connections.${target.name} as the message says, then ${again}`;
    case 'contract':
      return `run ${again}; if it happens again the network changed its answers: report the message`;
  }
}
