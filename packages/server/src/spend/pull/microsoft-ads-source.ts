import { microsoftAdsClient, microsoftRule, MICROSOFT_CODES, OAUTH_SCOPES, type HttpAnswer } from '@touchline/destinations';
import { MICROSOFT_COLUMNS, MICROSOFT_NETWORK, microsoftReportPage } from './microsoft-ads-report.js';
import { unzipSingleFile } from './microsoft-ads-zip.js';
import { answerOf, contractBreak, dayOf, digitsId, objectAt, pullToken, requestContext, type VendorReading } from './more-sources-http.js';
import { SpendPullError, type SpendPage, type SpendPullContext, type SpendSource, type SpendWindow } from './spend-source.js';

/**
 * Microsoft Advertising Reporting v13 (reporting-and-spend.md §B5), its REST binding: submit a
 * daily CampaignPerformanceReportRequest, poll until Success or Error, download the ZIP the
 * answer points at (a pre-signed URL: no credentials go with it) and read its CSV.
 */
const HOST = 'https://reporting.api.bingads.microsoft.com';
const SUBMIT = 'Reporting/v13/GenerateReport/Submit';
const POLL = 'Reporting/v13/GenerateReport/Poll';
/** First wait between polls; it grows by half each time, up to a minute. */
const FIRST_POLL_MS = 5_000;
/** A report still pending after this long is given up on (the next pull asks again). */
const MAX_REPORT_WAIT_MS = 30 * 60_000;

const faultCodes = (a: HttpAnswer): unknown[] => {
  const b = a.body as { Errors?: unknown; OperationErrors?: unknown } | undefined;
  const list = Array.isArray(b?.Errors) ? b.Errors : Array.isArray(b?.OperationErrors) ? b.OperationErrors : [];
  return list.map((e) => (e && typeof e === 'object' ? (e as { Code?: unknown }).Code : undefined));
};
const TOKEN_CODES: readonly unknown[] = [MICROSOFT_CODES.invalidCredentials, MICROSOFT_CODES.userNotAuthorized, MICROSOFT_CODES.tokenExpired];

const READING: VendorReading = {
  network: MICROSOFT_NETWORK,
  rules: [microsoftRule],
  authRefused: (a) => a.status === 401 || faultCodes(a).some((c) => TOKEN_CODES.includes(c)),
  authHint: "check credentials 'developerToken' and 'customerId' and that the user may manage the account, else reconnect the connection (touchline connections connect)",
};

/**
 * The Microsoft Advertising source: campaign spend per day of one ad account (`window.account`).
 * `credentials`: `developerToken` and `customerId` (the manager customer) are required;
 * `reportTimeZone` (a ReportTimeZone name) is optional.
 */
export function microsoftAdsSource(): SpendSource {
  return { network: MICROSOFT_NETWORK, scopes: [OAUTH_SCOPES.microsoft.ads], pull: pullMicrosoft };
}

interface Settings {
  readonly account: string;
  readonly customerId: string;
  readonly developerToken: string;
  readonly timeZone: string | undefined;
}

/** Every id and token checked before it reaches a header or the body. */
function settingsOf(window: SpendWindow, credentials: Readonly<Record<string, string>>): Settings {
  const account = digitsId(MICROSOFT_NETWORK, 'the Microsoft Advertising account id (the account)', window.account);
  if (!Number.isSafeInteger(Number(account))) throw new SpendPullError(MICROSOFT_NETWORK, 'refused', `account id ${account} is too large`);
  const customerId = digitsId(MICROSOFT_NETWORK, "credentials 'customerId'", credentials['customerId']);
  const developerToken = credentials['developerToken'] ?? '';
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(developerToken)) throw new SpendPullError(MICROSOFT_NETWORK, 'refused', "credentials 'developerToken' is missing or not a developer token (letters and digits); find it in the Microsoft Advertising developer portal");
  const timeZone = credentials['reportTimeZone'];
  if (timeZone !== undefined && !/^[A-Za-z]{3,80}$/.test(timeZone)) throw new SpendPullError(MICROSOFT_NETWORK, 'refused', "credentials 'reportTimeZone' must be a ReportTimeZone name such as GreenwichMeanTimeDublinEdinburghLisbonLondon");
  return { account, customerId, developerToken, timeZone };
}

function reportRequest(window: SpendWindow, s: Settings): unknown {
  const date = (text: string) => {
    const d = dayOf(MICROSOFT_NETWORK, 'window day', text);
    return { Day: d.day, Month: d.month, Year: d.year };
  };
  if (window.until < window.since) throw new SpendPullError(MICROSOFT_NETWORK, 'refused', `the window ends (${window.until}) before it starts (${window.since})`);
  return {
    ReportRequest: {
      Type: 'CampaignPerformanceReportRequest', ReportName: 'Touchline spend', Format: 'Csv', FormatVersion: '2.0',
      ExcludeReportHeader: true, ExcludeReportFooter: true, ExcludeColumnHeaders: false, ReturnOnlyCompleteData: false,
      Aggregation: 'Daily', Columns: MICROSOFT_COLUMNS, Scope: { AccountIds: [Number(s.account)] },
      Time: { CustomDateRangeStart: date(window.since), CustomDateRangeEnd: date(window.until), ...(s.timeZone ? { ReportTimeZone: s.timeZone } : {}) },
    },
  };
}

async function* pullMicrosoft(window: SpendWindow, ctx: SpendPullContext): AsyncGenerator<SpendPage> {
  const s = settingsOf(window, ctx.credentials);
  const body = reportRequest(window, s);
  const client = microsoftAdsClient({ endpoint: ctx.baseUrl ?? HOST, developerToken: s.developerToken, customerId: s.customerId, customerAccountId: s.account }, requestContext(ctx), await pullToken(ctx));
  const submitted = objectAt(MICROSOFT_NETWORK, 'Submit answer', (await answerOf(ctx, READING, () => client.post(SUBMIT, body))).body);
  const id = submitted['ReportRequestId'];
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw contractBreak(MICROSOFT_NETWORK, `ReportRequestId ${JSON.stringify(id)}`);
  const url = await waitForReport(ctx, client, id);
  if (url === null) {
    // Success with no download URL: the account had no activity in the window.
    yield { rows: [], campaigns: [] };
    return;
  }
  yield microsoftReportPage(await download(ctx, url), window, s.account);
}

/** Polls until Success (the download URL, or null for an empty report); Error is `partial`. */
async function waitForReport(ctx: SpendPullContext, client: ReturnType<typeof microsoftAdsClient>, id: string): Promise<string | null> {
  const started = ctx.clock.now();
  for (let wait = FIRST_POLL_MS; ; wait = Math.min(60_000, Math.round(wait * 1.5))) {
    const answer = await answerOf(ctx, READING, () => client.post(POLL, { ReportRequestId: id }));
    const status = objectAt(MICROSOFT_NETWORK, 'ReportRequestStatus', objectAt(MICROSOFT_NETWORK, 'Poll answer', answer.body)['ReportRequestStatus']);
    const url = status['ReportDownloadUrl'];
    if (status['Status'] === 'Success') {
      if (url === null || url === undefined || url === '') return null;
      if (typeof url !== 'string') throw contractBreak(MICROSOFT_NETWORK, `ReportDownloadUrl ${JSON.stringify(url)}`);
      return url;
    }
    if (status['Status'] === 'Error') throw new SpendPullError(MICROSOFT_NETWORK, 'partial', `report ${id} failed on Microsoft's side (Status Error); pull the window again`);
    if (status['Status'] !== 'Pending') throw contractBreak(MICROSOFT_NETWORK, `report status ${JSON.stringify(status['Status'])}`);
    if (ctx.clock.now() - started >= MAX_REPORT_WAIT_MS) throw new SpendPullError(MICROSOFT_NETWORK, 'partial', `report ${id} still pending after ${MAX_REPORT_WAIT_MS / 60_000} minutes; pull again later`);
    await ctx.sleep(wait);
  }
}

/** The report's CSV text. The URL is pre-signed storage: plain GET, no token, https only (http only for a local stand-in). */
async function download(ctx: SpendPullContext, url: string): Promise<string> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw contractBreak(MICROSOFT_NETWORK, 'ReportDownloadUrl is not a URL');
  }
  const localTest = ctx.baseUrl !== undefined && new URL(ctx.baseUrl).protocol === 'http:';
  if (target.protocol !== 'https:' && !(localTest && target.protocol === 'http:')) throw contractBreak(MICROSOFT_NETWORK, `ReportDownloadUrl is not https (${target.protocol})`);
  let zip: Buffer;
  try {
    const res = await ctx.fetch(target, { method: 'GET', ...(ctx.signal ? { signal: ctx.signal } : {}) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    zip = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    // The report was made; only its file is missing (an expired URL, a dropped connection).
    throw new SpendPullError(MICROSOFT_NETWORK, 'partial', `the report file could not be downloaded (${error instanceof Error ? error.message : String(error)}); pull the window again`);
  }
  const unzipped = unzipSingleFile(zip);
  if (!unzipped.ok) throw contractBreak(MICROSOFT_NETWORK, unzipped.reason);
  return unzipped.data.toString('utf8');
}
