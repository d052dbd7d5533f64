/**
 * `touchline attribute --paths` over a file of a million distinct paths: every model, and
 * first-order Markov alone, each timed against a parse-only pass over the same file (reading it
 * and parsing every line, `readPathsFile`) in the same run. Targets: every model ≤ 1.5× the
 * parse-only pass, Markov ≤ 1.2×. For reference, `--report all` (which adds top paths over a
 * million distinct paths, and time and touches to convert).
 *
 * Each pass runs in a fresh process, as the command does (one run per process: passes sharing
 * a process share V8's type feedback and slow each other), the kinds interleaved round by round
 * so a busy moment on this shared machine weighs on all alike. Each pass reports its own CPU
 * time (user + system: what the work costs, whatever else the machine runs) and wall time;
 * ratios are of medians, and of minima (the least disturbed run of each kind).
 *
 *   npm run bench -- attribute-paths
 *
 * Environment: BENCH_PATHS (default 1000000), BENCH_ROUNDS (default 3), BENCH_LEVEL (`campaign`,
 * the default: 361 values of 20–40 characters; or `channel`: GA4's 18 channel names).
 */
import { MODEL_NAMES } from '@touchline/attribution';
import { readPathsFile } from '@touchline/attribution/node';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { attributeCommand } from '../src/cli/commands/attribute.js';
import { writePathsFile, type PathsFileShape, type PathsLevel } from './support/paths-file.js';

/** The passes: the baseline, the two runs with a target, and `--report all` for reference. */
export const PASSES = ['parse', 'all-models', 'markov', 'all-models-report-all'] as const;
export type Pass = (typeof PASSES)[number];

/** Every engine model, by the names `touchline attribute --model` takes. */
const ALL_CLI_MODELS = MODEL_NAMES.join(',');

export interface PassTime {
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** One pass over the file, in this process. The attribution passes are the CLI command itself. */
export async function runPass(pass: Pass, file: string, config: string): Promise<PassTime> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  if (pass === 'parse') {
    let lines = 0;
    for await (const l of readPathsFile(file)) {
      if (!l.ok) throw new Error(`${file}:${l.line}: ${l.message}`);
      lines++;
    }
    if (lines === 0) throw new Error(`${file} is empty`);
  } else {
    const models = pass === 'markov' ? 'markov' : ALL_CLI_MODELS;
    const report = pass === 'all-models-report-all' ? ['--report', 'all'] : [];
    let printed = '';
    const code = await attributeCommand(['--paths', file, '--model', models, '--format', 'json', '--config', config, ...report], (s) => (printed = s));
    if (code !== 0 || printed.length === 0) throw new Error(`touchline attribute --paths exited ${code}`);
  }
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - started };
}

export interface PathsBenchResult {
  readonly shape: PathsFileShape;
  readonly generateMs: number;
  /** Per pass, every round's time. */
  readonly times: Readonly<Record<Pass, PassTime[]>>;
  /**
   * Per pass, as ratios to the parse-only pass: of the median and of the minimum CPU and wall
   * times, and the median of each round's CPU ratio (a pass against the parse-only pass run just
   * before it, under the same load).
   */
  readonly ratios: Readonly<Record<Pass, { cpuMedian: number; cpuMin: number; wallMedian: number; wallMin: number; cpuRounds: number }>>;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Runs one pass in a child process: this bundled bench, called with `--pass`. */
function passInChild(pass: Pass, file: string, config: string): PassTime {
  const r = spawnSync(process.execPath, [process.argv[1] as string, '--pass', pass, file, config], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the ${pass} pass failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as PassTime;
}

export async function runAttributePathsBench(
  options: { paths?: number; rounds?: number; level?: PathsLevel; inProcess?: boolean; log?: (s: string) => void } = {},
): Promise<PathsBenchResult> {
  const count = options.paths ?? 1_000_000;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'touchline-paths-bench-'));
  try {
    const file = join(dir, 'paths.ndjson');
    // An empty config, so a touchline.config.json in the working directory changes nothing.
    const config = join(dir, 'touchline.config.json');
    await writeFile(config, '{}');
    log(`writing ${count.toLocaleString('en-US')} distinct paths…`);
    const t0 = performance.now();
    const shape = await writePathsFile(file, count, options.level ?? 'campaign');
    const generateMs = performance.now() - t0;
    const times = Object.fromEntries(PASSES.map((p) => [p, [] as PassTime[]])) as Record<Pass, PassTime[]>;
    for (let round = 0; round < rounds; round++) {
      for (const pass of PASSES) {
        const t = options.inProcess ? await runPass(pass, file, config) : passInChild(pass, file, config);
        times[pass].push(t);
        log(`  round ${round + 1} ${pass.padEnd(22)} cpu ${(t.cpuMs / 1000).toFixed(2)} s  wall ${(t.wallMs / 1000).toFixed(2)} s`);
      }
    }
    const base = times.parse;
    const ratio = (xs: PassTime[], key: keyof PassTime, f: (v: number[]) => number) => f(xs.map((x) => x[key])) / f(base.map((x) => x[key]));
    const ratios = Object.fromEntries(
      PASSES.map((p) => [
        p,
        {
          cpuMedian: ratio(times[p], 'cpuMs', median),
          cpuMin: ratio(times[p], 'cpuMs', (v) => Math.min(...v)),
          wallMedian: ratio(times[p], 'wallMs', median),
          wallMin: ratio(times[p], 'wallMs', (v) => Math.min(...v)),
          cpuRounds: median(times[p].map((t, i) => t.cpuMs / (base[i] as PassTime).cpuMs)),
        },
      ]),
    ) as PathsBenchResult['ratios'];
    return { shape, generateMs, times, ratios };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const TARGETS: Partial<Record<Pass, number>> = { 'all-models': 1.5, markov: 1.2 };

export function report(r: PathsBenchResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const lines = [
    `file: ${r.shape.paths.toLocaleString('en-US')} distinct ${r.shape.level}-level paths, ${(r.shape.touches / r.shape.paths).toFixed(2)} touches each on average, ` +
      `${r.shape.levelValues} level values, ${(r.shape.bytes / 2 ** 20).toFixed(0)} MB (written in ${s(r.generateMs)})`,
    'pass                     cpu median   × parse (min) [per round]    wall median   × parse (min)   target',
  ];
  for (const pass of PASSES) {
    const t = r.times[pass];
    const q = r.ratios[pass];
    const target = TARGETS[pass];
    const verdict = target === undefined ? '' : `≤ ${target}× ${q.cpuMedian <= target ? 'met' : 'missed'} (cpu median)`;
    lines.push(
      `${pass.padEnd(24)} ${s(median(t.map((x) => x.cpuMs))).padStart(8)}   ${q.cpuMedian.toFixed(2)}× (${q.cpuMin.toFixed(2)}×) [${q.cpuRounds.toFixed(2)}×]` +
        `    ${s(median(t.map((x) => x.wallMs))).padStart(8)}   ${q.wallMedian.toFixed(2)}× (${q.wallMin.toFixed(2)}×)   ${verdict}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--pass') {
    const [, , , pass, file, config] = process.argv;
    console.log(JSON.stringify(await runPass(pass as Pass, file as string, config as string)));
  } else {
    const r = await runAttributePathsBench({
      paths: Number(process.env['BENCH_PATHS'] ?? 1_000_000),
      rounds: Number(process.env['BENCH_ROUNDS'] ?? 3),
      level: process.env['BENCH_LEVEL'] === 'channel' ? 'channel' : 'campaign',
      log: (x) => console.log(x),
    });
    console.log(`\n${report(r)}`);
  }
}
