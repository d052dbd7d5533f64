import { CONVERSION_COLUMNS } from '../attribute/crm-conversions.js';
import type { ImportSummary } from './commands/import.js';

/**
 * The end of `touchline import`: each quarantined row by its line, and the exit code — 1 when any
 * row was quarantined (a script must not take a partial import for a whole one) unless
 * `--allow-rejects` says that is expected.
 */
export function importOutcome(s: ImportSummary, file: string, allowRejects: boolean, out: (s: string) => void): number {
  if (s.quarantined === 0) return 0;
  out(`quarantined rows of ${file}:`);
  for (const b of s.badRows) out(`  line ${b.line}: ${b.reason}`);
  if (s.quarantined > s.badRows.length) out(`  … and ${s.quarantined - s.badRows.length} more`);
  out(`they are kept in failed_events: touchline sql "select reason, raw from failed_events"`);
  if (allowRejects) return 0;
  out(`exit 1: ${s.quarantined} row(s) quarantined (--allow-rejects accepts an import with rejects)`);
  return 1;
}

const list = (names: readonly string[]) => names.join(', ');

/** `touchline import --help`, and with `--conversions` the columns a CRM export is read from. */
export function importHelp(conversions: boolean): string {
  const general = `touchline import <file> [--source <name>] [--conversions] [--allow-rejects] [--no-progress]

Bulk-loads historic events through the same validation and spool as live traffic. <file> is
NDJSON (one Segment event a line) or CSV (a header row; \`properties.plan\`, \`context.page.url\`
nest), either of them gzipped. Each row the collector refuses is kept in failed_events with its
reason, and named here by its line; a CSV row with more values than columns, or an e-mail column
that holds no e-mail address, is refused too. The exit code is 1 when any row was refused,
unless --allow-rejects.`;
  if (!conversions) return `${general}\n\n--conversions: rows are CRM conversions (touchline import --conversions --help).`;
  const c = CONVERSION_COLUMNS;
  return `${general}

--conversions: each row is one CRM conversion, sent as a \`track\` event. Columns (case, spaces,
dots and dashes ignored; the first present wins):
  user id    ${list(c.user)}
  e-mail     ${list(c.email)}      (used when there is no user id; links to identify's traits.email)
  name       ${list(c.name)}      (the event name, e.g. "Opportunity Created"; required)
  value      ${list(c.value)}      (1,200.50, €1200 and 1200 EUR read as 1200.5)
  currency   ${list(c.currency)}
  time       ${list(c.time)}      (ISO-8601, a date, or epoch seconds / ms)
  id         ${list(c.id)}      (the message id: importing the same export twice stores each once)
A user id or an e-mail, and a name, are required. Every other column is kept as a property.`;
}
