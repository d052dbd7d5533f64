import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AttributeRequest, AttributeResponse } from '../attribute/run-attribution.js';
import { dashboardDistDir } from './static-assets.js';

type Render = (answer: AttributeResponse, facts: { generatedAt: string; filters: string[] }) => string;

/** The dashboard's report renderer (`packages/dashboard/dist/report.mjs`, built with the app). */
async function reportRenderer(): Promise<Render> {
  const file = join(dashboardDistDir(), 'report.mjs');
  try {
    return ((await import(pathToFileURL(file).href)) as { renderAttributionReport: Render }).renderAttributionReport;
  } catch (err) {
    throw new Error(`the dashboard is not built (${file}): run \`npm run build\``, { cause: err });
  }
}

/** What a report says it was run with. */
function filterLines(req: AttributeRequest, result: AttributeResponse, lookbackDays: number): string[] {
  return [
    `Level: ${result.level}`,
    `Lookback: ${lookbackDays} days`,
    `Conversions: ${req.conversions?.join(', ') || 'every configured conversion'}`,
    ...(req.since ? [`Since: ${req.since}`] : []),
    ...(req.until ? [`Until: ${req.until}`] : []),
    `Direct: ${String(req.params?.direct ?? 'as configured')}`,
    `Engine: ${result.engine}, sessions ${result.sessions}`,
  ];
}

/** `touchline attribute --html <file>`: the attribution page as one static file. */
export async function writeStaticReport(file: string, req: AttributeRequest, result: AttributeResponse, lookbackDays: number, now = new Date()): Promise<void> {
  const render = await reportRenderer();
  await writeFile(file, render(result, { generatedAt: now.toISOString(), filters: filterLines(req, result, lookbackDays) }));
}
