import { renderToString } from 'preact-render-to-string';
import { AttributionReport } from '../pages/attribution-report.js';
import styles from '../styles.css';
import type { AttributionAnswer } from '../types.js';

export interface ReportFacts {
  /** When the report was made (ISO-8601). */
  readonly generatedAt: string;
  /** What it was run with, one line each ("Level: channel", "Lookback: 90 days"…). */
  readonly filters: readonly string[];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The attribution page as one static, self-contained HTML file (`touchline attribute --html`):
 * the same components as the app, rendered once, with the app's styles inline and no script.
 */
export function renderAttributionReport(answer: AttributionAnswer, facts: ReportFacts): string {
  const body = renderToString(<AttributionReport answer={answer} />);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Touchline attribution report</title>
<style>${styles}
.table-card header button { display: none; }
.table-scroll { max-height: none; }
</style>
</head>
<body>
<main>
<h2>Attribution <small>generated ${escapeHtml(facts.generatedAt)}</small></h2>
<p class="note">${facts.filters.map(escapeHtml).join(' · ')}</p>
${body}
</main>
</body>
</html>
`;
}
