// Micro-benchmark: paths/s per model for 1M random conversion paths, and the DuckDB baseline the
// budget is stated against (one full-scan GROUP BY over 10M events). Not run by the tests.
//
//   npx tsc -b packages/attribution && node --expose-gc packages/attribution/bench/attribution-bench.mjs [paths]
//   (or: npm run bench -w @touchline/attribution)
//
// Paths are generated before timing (the server receives them from a warehouse cursor). Times are
// epoch milliseconds; milestones are set so W-shaped and full path run.
import { DuckDBInstance } from '@duckdb/node-api';
import { createAttribution, MODEL_NAMES, seededRandom } from '../dist/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const CHANNELS = ['Paid Search', 'Organic Search', 'Email', 'Display', 'Paid Social', 'Organic Social', 'Referral', 'Direct', 'Affiliates', 'Paid Video'];

function generate(n) {
  const random = seededRandom(7);
  const paths = new Array(n);
  const end = Date.UTC(2024, 5, 1);
  let touches = 0;
  for (let i = 0; i < n; i++) {
    const len = 1 + Math.floor(-Math.log(1 - random()) * 2.5) % 12; // geometric-ish, mean ≈ 3
    const path = new Array(len);
    const times = new Array(len);
    let t = end - Math.floor(random() * 60) * 86_400_000;
    for (let j = 0; j < len; j++) {
      path[j] = CHANNELS[Math.floor(random() * CHANNELS.length)];
      times[j] = t;
      t += Math.floor(random() * 3 * 86_400_000);
    }
    touches += len;
    const lead = Math.floor(random() * len);
    const opportunity = lead + Math.floor(random() * (len - lead));
    const converting = random() < 0.7;
    paths[i] = {
      path,
      conversions: converting ? 1 : 0,
      value: converting ? Math.round(random() * 20000) / 100 : 0,
      nulls: converting ? 0 : 1,
      times,
      converted_at: t,
      milestones: { lead, opportunity, close: len - 1 },
    };
  }
  return { paths, touches };
}

function run(models, paths, params = {}) {
  globalThis.gc?.();
  const started = process.hrtime.bigint();
  const a = createAttribution(models, params);
  for (let i = 0; i < paths.length; i++) {
    const out = a.add(paths[i]);
    if (!out.ok) throw new Error(`path ${i}: ${out.message}`);
  }
  const added = process.hrtime.bigint();
  a.result();
  const done = process.hrtime.bigint();
  return { addMs: Number(added - started) / 1e6, resultMs: Number(done - added) / 1e6 };
}

async function duckdbBaseline() {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`CREATE TABLE events AS SELECT i AS id, i % 1000000 AS person, ['Paid Search','Email','Display','Referral','Direct'][(i % 5) + 1] AS channel,
    TIMESTAMP '2024-01-01' + to_seconds(i % 10000000) AS ts FROM range(10000000) t(i)`);
  const time = async (sql) => {
    const t0 = process.hrtime.bigint();
    await c.runAndReadAll(sql);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  // The plain scan (count per person) and the one that builds the paths the engine is fed.
  const plain = await time(`SELECT person, count(*) AS n FROM events GROUP BY person`);
  const paths = await time(`SELECT person, string_agg(channel, '>' ORDER BY ts) AS path, min(ts), max(ts) FROM events GROUP BY person`);
  c.closeSync();
  return { plain, paths };
}

const { paths, touches } = generate(N);
console.log(`${N.toLocaleString()} paths, ${touches.toLocaleString()} touches (mean ${(touches / N).toFixed(2)} per path)`);
run(['linear'], paths.slice(0, 20000)); // warm-up
const rows = [];
for (const model of [...MODEL_NAMES, { model: 'markov', order: 2, name: 'markov_2' }, { model: 'markov', order: 4, name: 'markov_4' }]) {
  // Per model without the summaries (what the credits report computes), so the figure is the
  // model's own cost (+ the shared per-path work).
  const { addMs, resultMs } = run([model], paths, { summaries: [] });
  const name = typeof model === 'string' ? model : model.name;
  rows.push({ model: name, 'paths/s': Math.round(N / ((addMs + resultMs) / 1000)).toLocaleString(), 'add ms': addMs.toFixed(0), 'result ms': resultMs.toFixed(0) });
}
const credits = run([...MODEL_NAMES], paths, { summaries: [] });
rows.push({ model: 'ALL 11, no summaries', 'paths/s': Math.round(N / ((credits.addMs + credits.resultMs) / 1000)).toLocaleString(), 'add ms': credits.addMs.toFixed(0), 'result ms': credits.resultMs.toFixed(0) });
const all = run([...MODEL_NAMES], paths);
rows.push({ model: 'ALL 11, every summary', 'paths/s': Math.round(N / ((all.addMs + all.resultMs) / 1000)).toLocaleString(), 'add ms': all.addMs.toFixed(0), 'result ms': all.resultMs.toFixed(0) });
// The server's case: identical paths aggregated in SQL, so top paths only keep a heap.
const distinct = run([...MODEL_NAMES], paths, { pathsAreDistinct: true });
rows.push({ model: 'ALL 11, pathsAreDistinct', 'paths/s': Math.round(N / ((distinct.addMs + distinct.resultMs) / 1000)).toLocaleString(), 'add ms': distinct.addMs.toFixed(0), 'result ms': distinct.resultMs.toFixed(0) });
console.table(rows);
const baseline = await duckdbBaseline();
const total = distinct.addMs + distinct.resultMs;
console.log(`all 11 models over ${N.toLocaleString()} paths (pathsAreDistinct): ${total.toFixed(0)} ms`);
console.log(`DuckDB 10M events, GROUP BY person count(*): ${baseline.plain.toFixed(0)} ms (engine = ${(total / baseline.plain).toFixed(2)}×)`);
console.log(`DuckDB 10M events, GROUP BY person building ordered paths: ${baseline.paths.toFixed(0)} ms (engine = ${(total / baseline.paths).toFixed(2)}×)`);
