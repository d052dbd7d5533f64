import { describe, expect, it } from 'vitest';
import { runDashboardBench } from '../../bench/dashboard.js';

// A small run of `npm run bench -- dashboard`, so the bench keeps working: its figures mean
// nothing at this size (the 10M run is for `npm run bench`), only that every page answered.
describe('the dashboard bench, small', () => {
  it('times every page over generated data against the scan', async () => {
    const r = await runDashboardBench({ events: 20_000, runs: 1 });
    expect(r.data.events).toBe(20_000);
    expect(r.scanMs).toBeGreaterThan(0);
    expect(r.pages.map((p) => p.page)).toEqual([
      'overview', 'data quality', 'journey (one person)', 'attribution: last touch', 'attribution: every model (the page default)',
      'attribution, stored paths: last touch', 'attribution, stored paths: every model', 'attribution, stored paths: every model but time decay',
    ]);
    for (const p of r.pages) expect(p.p50Ms, p.page).toBeGreaterThan(0);
  }, 180_000);
});
