/**
 * Contract stand-in for Microsoft Advertising Reporting v13, REST binding:
 * `POST /Reporting/v13/GenerateReport/Submit` and `/Poll`, plus the report download host.
 *
 * Follows (shared/research/reporting-and-spend.md):
 * - §B5 submit a `CampaignPerformanceReportRequest` → `{ReportRequestId}`; poll
 *   `{ReportRequestStatus: {Status: Pending | Success | Error, ReportDownloadUrl}}` with the same
 *   credentials; the file is a zipped CSV
 *   (https://learn.microsoft.com/en-us/advertising/reporting-service/submitgeneratereport,
 *   .../pollgeneratereport, .../guides/code-example-report-requests); `Aggregation: Daily`,
 *   columns by name, `Scope.AccountIds`, `Time` with a custom range; **without `TimePeriod` the
 *   aggregation silently becomes Summary** (the "Trap");
 * - §B5 / activation-contracts.md §5.1 headers: Bearer, `DeveloperToken`, `CustomerId`,
 *   `CustomerAccountId`; faults `{TrackingId, Type: AdApiFaultDetail, Errors: [{Code, ErrorCode,
 *   Message}]}`; throttling operation error 117 CallRateExceeded; 105 / 106 / 109 credentials.
 * The download URL is pre-signed storage on another host (this stand-in's second port): it
 * needs its `sig` and, as Azure storage does with a SAS, refuses a request that also carries an
 * `Authorization` header. Unverified (research "Open questions"): the REST host, the empty-report
 * answer (Success with a null URL here), the HTTP status of a fault (400 here), and the submit
 * validation codes (2000-range placeholders named `StandIn...`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateRawSync } from 'node:zlib';
import type { StandIn, StandInAnswer } from '../stand-in-types.js';
import { startStandIn, type StandInOptions, type VendorContract } from '../stand-in-server.js';
import { isObject, type Json } from '../json-shape.js';
import { bearerToken } from '../local-server.js';

/** One campaign-day of the account. */
export interface MicrosoftReportRow {
  readonly accountId: string;
  readonly campaignId: string;
  readonly campaignName: string;
  /** `YYYY-MM-DD`. */
  readonly day: string;
  /** Decimal text. */
  readonly spend: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: string;
  readonly revenue: string;
  readonly currency: string;
}

export interface MicrosoftReportingStandInOptions extends StandInOptions {
  /** @defaultValue 'dev-token-0001' */
  readonly developerToken?: string;
  /** @defaultValue '1111111' */
  readonly customerId?: string;
  /** Account ids the customer may report on. */
  readonly accounts: readonly string[];
  readonly rows: readonly MicrosoftReportRow[];
  /** Polls answered Pending before the job settles. @defaultValue 2 */
  readonly pendingPolls?: number;
  /** The job ends in Status Error instead of Success. */
  readonly failJob?: boolean;
}

export interface MicrosoftReportingStandIn extends StandIn<Json> {
  /** Requests the download host received: path and headers. */
  readonly downloads: readonly { readonly path: string; readonly headers: Readonly<Record<string, string | string[] | undefined>> }[];
}

const COLUMNS = new Set(['TimePeriod', 'AccountId', 'AccountName', 'CampaignId', 'CampaignName', 'CampaignStatus', 'Spend', 'Impressions', 'Clicks', 'Conversions', 'Revenue', 'CurrencyCode']);
const fault = (status: number, code: number, errorCode: string, message: string): StandInAnswer => ({
  status,
  body: { TrackingId: 'stand-in-tracking', Type: 'AdApiFaultDetail', Errors: [{ Code: code, ErrorCode: errorCode, Message: message, Details: null }] },
});

/** A ZIP with one deflated entry (PKWARE APPNOTE 4.3: local header, data, central directory, end record). */
export function zipOneFile(name: string, content: Buffer): Buffer {
  const packed = deflateRawSync(content);
  const fileName = Buffer.from(name, 'utf8');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14); local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(content.length, 22); local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16); central.writeUInt32LE(packed.length, 20); central.writeUInt32LE(content.length, 24); central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE(0, 42);
  const centralAt = local.length + fileName.length + packed.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12); end.writeUInt32LE(centralAt, 16);
  return Buffer.concat([local, fileName, packed, central, fileName, end]);
}

const csvCell = (v: string) => `"${v.replace(/"/g, '""')}"`;
const cellOf = (r: MicrosoftReportRow, c: string): string =>
  ({ TimePeriod: r.day, AccountId: r.accountId, AccountName: 'Stand-in account', CampaignId: r.campaignId, CampaignName: r.campaignName, CampaignStatus: 'Active', Spend: r.spend, Impressions: String(r.impressions), Clicks: String(r.clicks), Conversions: r.conversions, Revenue: r.revenue, CurrencyCode: r.currency })[c] ?? '';

/** The report CSV Microsoft would write: BOM, quoted header and cells; a Summary (one line per campaign) without TimePeriod. */
function reportCsv(rows: readonly MicrosoftReportRow[], columns: readonly string[]): string {
  const lines = columns.includes('TimePeriod')
    ? rows
    : [...new Map(rows.map((r) => [r.campaignId, { ...r, spend: rows.filter((x) => x.campaignId === r.campaignId).reduce((s, x) => s + Number(x.spend), 0).toFixed(2) }])).values()];
  return `\uFEFF${[columns.map(csvCell).join(','), ...lines.map((r) => columns.map((c) => csvCell(cellOf(r, c))).join(','))].join('\r\n')}\r\n`;
}

interface Job {
  polls: number;
  readonly zip: Buffer | null;
}

/** Why a submit is refused (a fault), or the job's rows and columns. */
function readSubmit(body: unknown, options: MicrosoftReportingStandInOptions, account: string): StandInAnswer | { rows: MicrosoftReportRow[]; columns: string[] } {
  const req = isObject(body) && isObject(body['ReportRequest']) ? body['ReportRequest'] : undefined;
  if (!req || req['Type'] !== 'CampaignPerformanceReportRequest') return fault(400, 2001, 'StandInInvalidReportRequestType', 'ReportRequest must be a CampaignPerformanceReportRequest.');
  if (req['Format'] !== 'Csv') return fault(400, 2002, 'StandInInvalidReportFormat', 'This stand-in writes Csv reports.');
  if (req['Aggregation'] !== 'Daily') return fault(400, 2003, 'StandInInvalidReportAggregation', 'This stand-in serves Daily aggregation.');
  const columns = Array.isArray(req['Columns']) ? (req['Columns'] as unknown[]) : [];
  if (columns.length === 0 || !columns.every((c): c is string => typeof c === 'string' && COLUMNS.has(c))) return fault(400, 2004, 'StandInInvalidReportColumns', `Unknown report column in ${JSON.stringify(req['Columns'])}.`);
  const ids = isObject(req['Scope']) && Array.isArray(req['Scope']['AccountIds']) ? (req['Scope']['AccountIds'] as unknown[]) : [];
  if (ids.length === 0 || !ids.every((id) => typeof id === 'number' && options.accounts.includes(String(id)))) return fault(400, 2005, 'StandInInvalidAccountIds', 'Scope.AccountIds names an account the user cannot report on.');
  if (!ids.includes(Number(account))) return fault(400, 2005, 'StandInInvalidAccountIds', 'Scope.AccountIds must include the CustomerAccountId account.');
  const time = isObject(req['Time']) ? req['Time'] : {};
  const day = (d: unknown) => (isObject(d) ? `${String(d['Year'])}-${String(d['Month']).padStart(2, '0')}-${String(d['Day']).padStart(2, '0')}` : '');
  const [since, until] = [day(time['CustomDateRangeStart']), day(time['CustomDateRangeEnd'])];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(since) || !/^\d{4}-\d{2}-\d{2}$/.test(until) || until < since) return fault(400, 2006, 'StandInInvalidCustomDateRange', 'Time needs CustomDateRangeStart and CustomDateRangeEnd, start first.');
  return { rows: options.rows.filter((r) => ids.includes(Number(r.accountId)) && r.day >= since && r.day <= until), columns };
}

/** Starts the stand-in (the API and the download host) on two free ports. */
export async function startMicrosoftReportingStandIn(options: MicrosoftReportingStandInOptions): Promise<MicrosoftReportingStandIn> {
  const jobs = new Map<string, Job>();
  const files = new Map<string, Buffer>();
  const downloads: { path: string; headers: Readonly<Record<string, string | string[] | undefined>> }[] = [];
  const filesServer: Server = createServer((req, res) => {
    downloads.push({ path: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://download');
    const file = files.get(url.pathname);
    if (req.headers['authorization']) return void res.writeHead(403).end('AuthenticationFailed: a SAS URL takes no Authorization header');
    if (!file || url.searchParams.get('sig') !== 'stand-in-sas') return void res.writeHead(404).end('BlobNotFound');
    res.writeHead(200, { 'content-type': 'application/zip' }).end(file);
  });
  await new Promise<void>((resolve) => filesServer.listen(0, '127.0.0.1', resolve));
  const downloadBase = `http://127.0.0.1:${(filesServer.address() as AddressInfo).port}`;

  const contract: VendorContract<Json> = {
    name: 'microsoft-reporting',
    dedupWindowMs: 0,
    route: (r) => r.method === 'POST' && (r.path === '/Reporting/v13/GenerateReport/Submit' || r.path === '/Reporting/v13/GenerateReport/Poll'),
    notFound: () => ({ status: 404, body: { Message: 'No HTTP resource was found that matches the request URI.' } }),
    credential: (r) => bearerToken(r.headers),
    unauthorized: (_r, why) =>
      why === 'expired' ? fault(401, 109, 'AuthenticationTokenExpired', 'The OAuth access token has expired.') : fault(401, 105, 'InvalidCredentials', 'Authentication failed. Either supplied credentials are invalid or the account is inactive.'),
    precheck(r) {
      if (r.headers['developertoken'] !== (options.developerToken ?? 'dev-token-0001')) return fault(401, 105, 'InvalidCredentials', 'Authentication failed: the developer token is invalid.');
      if (r.headers['customerid'] !== (options.customerId ?? '1111111') || !options.accounts.includes(r.headers['customeraccountid'] ?? '')) {
        return fault(403, 106, 'UserIsNotAuthorized', 'The user does not represent a authorized developer for this customer or account.');
      }
      return undefined;
    },
    rateLimited: () => fault(400, 117, 'CallRateExceeded', 'You have exceeded the number of calls that you are allowed to make in a given time period.'),
    errorBody: (status) => (status >= 500 ? fault(status, 0, 'InternalError', 'An internal error has occurred (injected).').body : fault(status, 100, 'NullRequest', 'Invalid request (injected).').body),
    handle(req, ctx) {
      if (req.path.endsWith('/Submit')) {
        const read = readSubmit(req.body, options, req.headers['customeraccountid'] ?? '');
        if ('status' in read) return read;
        const id = `30000${ctx.request}`;
        jobs.set(id, { polls: 0, zip: read.rows.length ? zipOneFile(`${id}.csv`, Buffer.from(reportCsv(read.rows, read.columns), 'utf8')) : null });
        return { status: 200, body: { ReportRequestId: id } };
      }
      const id = isObject(req.body) ? String(req.body['ReportRequestId'] ?? '') : '';
      const job = jobs.get(id);
      if (!job) return fault(400, 2100, 'StandInInvalidReportRequestId', `The report request id ${id} is not known.`);
      if (job.polls++ < (options.pendingPolls ?? 2)) return { status: 200, body: { ReportRequestStatus: { Status: 'Pending', ReportDownloadUrl: null } } };
      if (options.failJob) return { status: 200, body: { ReportRequestStatus: { Status: 'Error', ReportDownloadUrl: null } } };
      if (!job.zip) return { status: 200, body: { ReportRequestStatus: { Status: 'Success', ReportDownloadUrl: null } } };
      files.set(`/reports/${id}.zip`, job.zip);
      return { status: 200, body: { ReportRequestStatus: { Status: 'Success', ReportDownloadUrl: `${downloadBase}/reports/${id}.zip?sig=stand-in-sas` } } };
    },
  };
  const base = await startStandIn(contract, options);
  const closeApi = base.close;
  const close = async () => {
    filesServer.closeAllConnections();
    await new Promise<void>((resolve, reject) => filesServer.close((e) => (e ? reject(e) : resolve())));
    await closeApi();
  };
  return Object.assign(base, { downloads, close });
}
