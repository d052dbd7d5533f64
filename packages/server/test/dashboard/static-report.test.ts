import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeSpend } from '../../src/spend/write-spend.js';
import { openDuckDBWarehouse } from '../../src/warehouse/duckdb/duckdb-warehouse.js';
import { startHarness, type Harness } from '../support/harness.js';
import { loadDemoOverHttp } from './support/demo-harness.js';

const HOSTILE = `<script>alert(1)</script>"'&`;

describe('touchline attribute --html', () => {
  let h: Harness;
  let orders = 0;
  beforeAll(async () => {
    h = await startHarness({ adminToken: 'static-report-admin-token-0123456789' }, { listen: true });
    await loadDemoOverHttp(h, { people: 150, now: Date.now() });
    // A campaign name anyone can put in a URL: it must stay text in the file.
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { authorization: h.auth },
      payload: {
        batch: [
          { type: 'page', anonymousId: 'hostile-1', context: { page: { url: `https://shop.example/?utm_source=x&utm_medium=cpc&utm_campaign=${encodeURIComponent(HOSTILE)}` } } },
          { type: 'track', event: 'Order Completed', anonymousId: 'hostile-1', properties: { revenue: 1 } },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    orders = Number((await h.sql(`SELECT count(*) AS n FROM events WHERE event = 'Order Completed'`))[0]!['n']);
    await h.close();
  });
  afterAll(async () => rm(h.dataDir, { recursive: true, force: true }));

  it('writes the attribution page as one file: no script, nothing loaded from anywhere, totals as in SQL, hostile names as text', async () => {
    const file = join(h.dataDir, 'report.html');
    const lines: string[] = [];
    const code = await main(['attribute', '--html', file, '--by', 'campaign', '--data-dir', h.dataDir], (s) => lines.push(s));
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain(`wrote ${file}`);
    const html = await readFile(file, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    const tile = /data-testid="attr-conversions"[^]*?<strong class="tile-value">([^<]+)</.exec(html);
    expect(Number(tile?.[1]?.replace(/,/g, ''))).toBe(orders);
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    for (const id of ['credits', 'top-paths', 'time-to-convert', 'touches-to-convert']) expect(html).toContain(`data-testid="${id}"`);
    expect(html).toContain('Cost, CPA and ROAS stay empty');
  });

  it('shows cost, and CPA and ROAS under each model, once spend is imported (the hostile campaign priced by name)', async () => {
    const w = await openDuckDBWarehouse({ path: join(h.dataDir, 'warehouse.duckdb') });
    try {
      await w.migrate();
      const row = { network: 'x', account: '', date: new Date().toISOString().slice(0, 10), campaignId: 'c-1', campaignName: HOSTILE, adGroupId: '', adGroupName: null, costMicros: 4_000_000n, currency: 'EUR', impressions: null, clicks: null, networkConversions: null, networkConversionValue: null };
      await writeSpend(w, [row], { loadId: 'static-1', nowMs: Date.now(), origin: 'test' });
    } finally {
      await w.close();
    }
    const file = join(h.dataDir, 'report-spend.html');
    expect(await main(['attribute', '--html', file, '--by', 'campaign', '--model', 'last', '--data-dir', h.dataDir], () => undefined)).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html).not.toContain('Cost, CPA and ROAS stay empty');
    expect(html).toContain('Cost (EUR)');
    expect(html).toContain('last_touch ROAS');
    // The hostile campaign's row: 1 conversion of revenue 1 for 4.00 EUR, so CPA 4.00 and ROAS 0.25.
    const table = html.slice(html.indexOf('<table data-testid="credits">'));
    const row = /<tr>(?:(?!<\/tr>)[^])*?&lt;script>alert\(1\)(?:(?!<\/tr>)[^])*<\/tr>/.exec(table)?.[0] ?? '';
    expect(row).toContain('4.00');
    expect(row).toContain('0.25');
  });
});
