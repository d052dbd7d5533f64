import { ConfigError, type Config } from '../config/config.js';
import { restrictUmask } from '../data-dir/private-files.js';
import { attributeCommand } from './commands/attribute.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { importFile } from './commands/import.js';
import { conversionImport } from '../attribute/crm-conversions.js';
import { migrateToClickHouse } from './commands/migrate-to.js';
import { planCommand, replayCommand, type PlanFlags } from './commands/plan.js';
import { utmCommand } from './commands/utm.js';
import { privacyCommand } from './commands/privacy.js';
import { sourcesCommand } from './commands/sources.js';
import { spendCommand } from './commands/spend.js';
import { sqlCommand } from './commands/sql.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { syncCommand } from './commands/sync.js';
import { destinationsCommand } from './commands/destinations.js';
import { approvalsCommand } from './commands/approvals.js';
import { warehouseCommand } from './commands/warehouse-ddl.js';
import { adminTokenCommand, auditCommand, loginCommand, logoutCommand, membersCommand, policyCommand, tokensCommand, type PeopleFlags } from './commands/people.js';
import type { OutputFormat } from './format.js';
import { loadConfig } from './load-config.js';
import { parseArgsHelpfully, unknownCommand } from './helpful-args.js';
import { importHelp, importOutcome } from './import-output.js';

const HELP = `touchline — first-party marketing data: collect, attribute, activate

Usage:
  touchline start   [--port 8080] [--admin-port 8081] [--data-dir .touchline]
                                                           collector + loader + warehouse
  touchline demo                                           load a demo shop's journeys (see the dashboard at once)
  touchline sql     "<query>" [--format table|json|csv]     read-only SQL over the warehouse
  touchline import  <file.ndjson|file.csv> [--source name]  bulk-load historic events (gzipped too)
                    [--conversions] [--allow-rejects]      CRM conversions (import --conversions --help: columns)
  touchline attribute [--model …] [--by channel] [--lookback 90d] [--format table|json|csv]
                                                           credit conversions to channels (--help for more)
  touchline spend   import | rates | campaigns <file.csv> | unmatched | pull   ad cost for CPA and ROAS (--help)
  touchline status  [--json]                               spool, loader lag, events per source
  touchline sources list | create <name> | revoke <name>   write keys
  touchline warehouse ddl [--cluster <name>]               ClickHouse DDL (replicated + distributed)
  touchline export  --format parquet --since D --until D --out <dir>   Parquet by day
  touchline migrate --to clickhouse                        copy DuckDB into ClickHouse, verified
  touchline sync    list | run <name> | dry-run <name> | history <name> | cancel <name>
                    reverse-ETL syncs (docs/activation.md); run takes --force (asks for approval) --full --test --baseline
  touchline destinations list | connect <name> [--refresh-token-file F] | disconnect <name>
                    connections: OAuth sign-in through the running server, state of each grant
  touchline plan    check | infer [--out f] | diff <new-plan> | types [<plan>] [--out f] | reload
                    the tracking plan (docs/tracking-plans.md); --since 7d --until D --source S
  touchline replay  --reason "…" --since 7d [--dry-run]   re-ingest quarantined events through the plan, once
  touchline utm     report [--days 30] | build <url> --source S --medium M --campaign C [--term T] [--content X]
                    the campaign taxonomy: nonconforming UTM values, and a link builder that refuses them

People (docs/governance.md; through the running server):
  touchline members list | add <email> --name N --role R [--start D] [--end D]
                    | set-role <email> <role> | disable <email>
                    | grant <email> --actions a,b --until D --reason "…"   a time-bound exception
  touchline tokens  create [--member <email>] [--name N] [--scopes read,analyze,sync,admin,metrics] [--days 90]
                    | list [--member <email>] | revoke <id> [--member <email>]
  touchline login   [--token tl_pat_…] (or on stdin)  |  touchline logout
  touchline policy  show | set <key> <JSON value>
  touchline audit   [--since D] [--member <email>] [--action a] [--limit N] [--format json] | audit verify
  touchline admin-token rotate | disable | enable       the owner's bootstrap credential
  touchline approvals list [status|all] | show <id> | approve <id> | reject <id> --reason "…"
                    risky sends waiting for a second member (two-person rule)

Privacy (docs/governance.md, "Privacy"):
  touchline privacy delete --user-id <id> | --anonymous-id <id> | --email <address> [--dry-run] [--wait <seconds>]
                    remove a person everywhere and suppress them (--dry-run: show what is held)
  touchline privacy status <request> | requests | suppressions list | suppressions remove <request>

Every command takes --config <file> (default ./touchline.config.json if present),
--data-dir, --port, --host (public listener), --admin-port, --admin-host (admin listener,
127.0.0.1:8081 by default), --log-level error|warn|info|debug, --warehouse duckdb|clickhouse, --clickhouse-url.
Environment: TOUCHLINE_DATA_DIR, TOUCHLINE_PORT, TOUCHLINE_ADMIN_PORT, TOUCHLINE_WRITE_KEY,
TOUCHLINE_ADMIN_TOKEN, … (flags override the environment, which overrides the file).
The CLI presents TOUCHLINE_TOKEN, else the token of \`touchline login\`, else (for the OS user
who owns the data dir only) the admin token the server keeps in the data dir.`;

const FORMATS = new Set(['table', 'json', 'csv']);

/** All of stdin (`touchline login` reads a token piped in, so it stays out of the shell history). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The flags of every command, one table (each command reads the ones it knows). */
const OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'admin-host': { type: 'string' },
  'admin-port': { type: 'string' },
  'log-level': { type: 'string' },
  'data-dir': { type: 'string' },
  warehouse: { type: 'string' },
  'clickhouse-url': { type: 'string' },
  format: { type: 'string', default: 'table' },
  source: { type: 'string' },
  json: { type: 'boolean', default: false },
  'no-progress': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  cluster: { type: 'string' },
  database: { type: 'string' },
  legacy: { type: 'boolean', default: false },
  since: { type: 'string' },
  until: { type: 'string' },
  out: { type: 'string' },
  table: { type: 'string' },
  to: { type: 'string' },
  force: { type: 'boolean', default: false },
  full: { type: 'boolean', default: false },
  test: { type: 'boolean', default: false },
  'test-code': { type: 'string' },
  'refresh-token-file': { type: 'string' },
  baseline: { type: 'boolean', default: false },
  limit: { type: 'string' },
  conversions: { type: 'boolean', default: false },
  'allow-rejects': { type: 'boolean', default: false },
  name: { type: 'string' },
  role: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  member: { type: 'string' },
  scopes: { type: 'string' },
  days: { type: 'string' },
  actions: { type: 'string' },
  reason: { type: 'string' },
  action: { type: 'string' },
  token: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  medium: { type: 'string' },
  campaign: { type: 'string' },
  term: { type: 'string' },
  content: { type: 'string' },
  'user-id': { type: 'string' },
  'anonymous-id': { type: 'string' },
  email: { type: 'string' },
  wait: { type: 'string' },
} as const;

const parseFlags = (argv: string[]) => parseArgsHelpfully({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
type Flags = ReturnType<typeof parseFlags>['values'];

/** What a command runs with: the loaded config, its arguments after the command's name, the flags. */
interface Invocation {
  readonly config: Config;
  readonly args: string[];
  readonly values: Flags;
  /** The raw arguments (a command that must know whether a flag was given at all). */
  readonly argv: string[];
  readonly out: (s: string) => void;
}

/** A command's exit code; -1 keeps the process running (`start`). */
type Command = (i: Invocation) => Promise<number>;

/** Progress bars only on a terminal, and not with --no-progress. */
const progressOf = (values: Flags) => !values['no-progress'] && process.stderr.isTTY;

/** Runs a command that has no exit code of its own: 0 once it returns. */
const done = (run: (i: Invocation) => unknown): Command => async (i) => (await run(i), 0);

async function runSql({ config, args, values, out }: Invocation): Promise<number> {
  const sql = args.join(' ').trim();
  if (!sql) throw new ConfigError('usage: touchline sql "<query>" [--format table|json|csv]');
  if (!FORMATS.has(values.format)) throw new ConfigError(`--format must be table, json or csv (got ${values.format})`);
  await sqlCommand(config, sql, values.format as OutputFormat, out);
  return 0;
}

async function runImport({ config, args, values, out }: Invocation): Promise<number> {
  const file = args[0];
  if (!file) throw new ConfigError('usage: touchline import <file.ndjson|file.csv> [--source <name>]');
  // CRM conversions (user id or email, name, value, time) become track events: --conversions, or detected.
  const crm = conversionImport(values.conversions ? 'force' : 'auto');
  const s = await importFile(config, file, { source: values.source, progress: progressOf(values), transform: crm.transform });
  out(`imported ${s.lines} ${crm.active ? 'conversions' : 'events'} from ${file}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.quarantined} quarantined`);
  for (const r of s.reasons) out(`  ${String(r.count).padStart(8)}  ${r.reason}`);
  if (s.lateEvents > 0) out(`${s.lateEvents} events were too far out of time order to sort: each carries the touches as they stood when it arrived`);
  return importOutcome(s, file, values['allow-rejects'], out);
}

async function runExport({ config, values, argv, out }: Invocation): Promise<number> {
  const format = argv.some((a) => a === '--format' || a.startsWith('--format=')) ? values.format : 'parquet';
  await exportCommand(config, { format, since: values.since, until: values.until, out: values.out, table: values.table, progress: progressOf(values) }, out);
  return 0;
}

async function runSync({ config, args, values, out }: Invocation): Promise<number> {
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new ConfigError(`--limit must be a positive integer (got ${values.limit})`);
  return syncCommand(config, args, {
    json: values.json, progress: progressOf(values), force: values.force, full: values.full,
    test: values.test, testCode: values['test-code'], baseline: values.baseline, limit,
  }, out);
}

const peopleFlags = (values: Flags): PeopleFlags => ({
  name: values.name, role: values.role, start: values.start, end: values.end, member: values.member, scopes: values.scopes,
  days: values.days, actions: values.actions, until: values.until, reason: values.reason, since: values.since,
  action: values.action, limit: values.limit, token: values.token, json: values.json,
});

const planFlags = (values: Flags): PlanFlags => ({
  since: values.since, until: values.until, source: values.source, reason: values.reason, out: values.out, json: values.json, dryRun: values['dry-run'],
});

/** Every command by name; a new command is one more entry. */
const COMMANDS: Readonly<Record<string, Command>> = {
  start: async ({ config, out }) => (await startCommand(config, out), -1),
  sql: runSql,
  import: runImport,
  demo: done(({ config, out }) => demoCommand(config, out)),
  status: done(({ config, values, out }) => statusCommand(config, values.json, out)),
  sources: done(({ config, args, out }) => sourcesCommand(config, args, out)),
  warehouse: done(({ config, args, values, out }) => warehouseCommand(config, args, { cluster: values.cluster, database: values.database, legacy: values.legacy }, out)),
  export: runExport,
  sync: runSync,
  destinations: ({ config, args, values, out }) => destinationsCommand(config, args, { json: values.json, refreshTokenFile: values['refresh-token-file'] }, out),
  members: done(({ config, args, values, out }) => membersCommand(config, args, peopleFlags(values), out)),
  tokens: done(({ config, args, values, out }) => tokensCommand(config, args, peopleFlags(values), out)),
  policy: done(({ config, args, values, out }) => policyCommand(config, args, peopleFlags(values), out)),
  audit: ({ config, args, values, out }) => auditCommand(config, args, peopleFlags(values), values.format, out),
  'admin-token': done(({ config, args, out }) => adminTokenCommand(config, args, out)),
  login: done(({ config, args, values, out }) => loginCommand(config, args, peopleFlags(values), readStdin, out)),
  logout: done(({ config, out }) => logoutCommand(config, out)),
  approvals: ({ config, args, values, out }) => approvalsCommand(config, args, { reason: values.reason, json: values.json }, out),
  plan: done(({ config, args, values, out }) => planCommand(config, args, planFlags(values), out)),
  replay: done(({ config, values, out }) => replayCommand(config, planFlags(values), out)),
  utm: done(({ config, args, values, out }) =>
    utmCommand(config, args, { source: values.source, medium: values.medium, campaign: values.campaign, term: values.term, content: values.content, days: values.days, json: values.json }, out)),
  privacy: ({ config, args, values, out }) =>
    privacyCommand(config, args, { userId: values['user-id'], anonymousId: values['anonymous-id'], email: values.email, dryRun: values['dry-run'], wait: values.wait, json: values.json }, out),
  migrate: done(({ config, values, out }) => migrateToClickHouse(config, { to: values.to, progress: progressOf(values) }, out)),
};

export async function main(argv: string[], out = (s: string) => console.log(s)): Promise<number> {
  // Whatever a command writes (data dir, exports) is private to this user: it holds personal data.
  restrictUmask();
  // attribute has flags of its own (one per model parameter): it parses them itself.
  if (argv[0] === 'attribute') return attributeCommand(argv.slice(1), out);
  if (argv[0] === 'spend') return spendCommand(argv.slice(1), out);
  const { values, positionals } = parseFlags(argv);
  const [command, ...args] = positionals;
  if (command === 'import' && values.help) {
    out(importHelp(values.conversions));
    return 0;
  }
  if (!command || values.help) {
    out(HELP);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig(values);
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw unknownCommand(command, HELP);
  return run({ config, args, values, argv, out });
}
