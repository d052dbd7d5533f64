/** How often a day is: the unit of lookback windows and half-lives. */
export const DAY_MS = 86_400_000;

/** What to do when a model needs facts a path does not carry (times, milestones). */
export const MissingFacts = {
  /** Refuse the path with an error naming the missing field. */
  Error: 'error',
  /** Time decay: weight every touch equally. W-shaped / full path: missing milestones = last touch. */
  Fallback: 'fallback',
} as const;
export type MissingFacts = (typeof MissingFacts)[keyof typeof MissingFacts];

/** How the Markov model treats paths with no touch at all. */
export const EmptyPathPolicy = {
  /** Credit their conversions to {@link AttributionParams.emptyPathChannel}, as every rule model does. */
  Direct: 'direct',
  /** ChannelAttribution's behaviour: a (start)→(conversion) edge; their conversions go to channels. */
  Redistribute: 'redistribute',
} as const;
export type EmptyPathPolicy = (typeof EmptyPathPolicy)[keyof typeof EmptyPathPolicy];

export interface PositionWeights {
  /** @defaultValue 0.4 */
  readonly first: number;
  /** @defaultValue 0.4 */
  readonly last: number;
}

export interface MarkovParams {
  /**
   * Order k of the chain: states are the sliding windows of k consecutive (de-duplicated) touches.
   * @defaultValue 1
   */
  readonly order?: number;
  /**
   * `'none'`: the exact infinite-horizon absorption probabilities (the published definition).
   * `'channelattribution'`: reproduce ChannelAttribution's default `max_step` truncation (walks
   * longer than the longest observed path + 1 count as non-converting). A number: that max_step.
   * @defaultValue 'none'
   */
  readonly truncation?: 'none' | 'channelattribution' | number;
  /** @defaultValue 'direct' */
  readonly emptyPaths?: EmptyPathPolicy;
  /**
   * Also return the estimated transition probabilities (ChannelAttribution's `out_more`); off by
   * default because an order-4 chain can have thousands of transitions.
   * @defaultValue false
   */
  readonly transitions?: boolean;
}

export interface ShapleyParams {
  /**
   * The characteristic function. `'subset'` (Zhao et al.): v(S) = conversions of paths whose channel
   * set is a subset of S; closed form, efficient. `'exact'`: v(S) = conversions of paths whose set is
   * exactly S; needs the general Shapley formula, can be negative, Σφ = v(all channels) only.
   * @defaultValue 'subset'
   */
  readonly characteristic?: 'subset' | 'exact';
}

/** Engine parameters. Every field is optional; the defaults follow Google Analytics where it has one. */
export interface AttributionParams {
  /**
   * Touches more than this many days before the conversion are dropped (only when the path carries
   * `times`). `Infinity` keeps everything.
   * @defaultValue 90
   */
  readonly lookbackDays?: number;
  /** Time-decay half-life in days: w = 2^(−age/H). @defaultValue 7 (Google Analytics) */
  readonly halfLifeDays?: number;
  /** Position-based weights; the middle touches share the rest. @defaultValue `{ first: 0.4, last: 0.4 }` */
  readonly positionWeights?: PositionWeights;
  /** W-shaped weights of first, lead and opportunity; the other touches share the rest. @defaultValue `[0.3, 0.3, 0.3]` */
  readonly wShapedWeights?: readonly [number, number, number];
  /** Full-path weights of first, lead, opportunity and close. @defaultValue `[0.225, 0.225, 0.225, 0.225]` */
  readonly fullPathWeights?: readonly [number, number, number, number];
  /** The bucket that receives conversions with an empty path. @defaultValue '(direct)' */
  readonly emptyPathChannel?: string;
  /**
   * Level values that count as direct for last non-direct.
   * @defaultValue `['(direct)', 'Direct', '(direct) / (none)']`
   */
  readonly directValues?: readonly string[];
  /** Time decay without times, W-shaped / full path without milestones. @defaultValue 'error' */
  readonly missingFacts?: MissingFacts;
  readonly markov?: MarkovParams;
  readonly shapley?: ShapleyParams;
  /** How many top conversion paths to report. @defaultValue 20 */
  readonly topPaths?: number;
  /**
   * Distinct paths tracked for the top-paths report; past it the rarest half is evicted and the
   * report is flagged approximate, so memory stays bounded.
   * @defaultValue 100000
   */
  readonly topPathsCapacity?: number;
  /**
   * The caller promises each distinct path arrives once (identical paths aggregated in SQL, as
   * the server does). Top paths then need only a heap of `topPaths` entries instead of a table of
   * every distinct path, which is most of the per-path cost of the summaries.
   * @defaultValue false
   */
  readonly pathsAreDistinct?: boolean;
}

/** {@link AttributionParams} with every default applied. */
export interface ResolvedParams {
  readonly lookbackMs: number;
  readonly halfLifeMs: number;
  readonly positionWeights: PositionWeights;
  readonly wShapedWeights: readonly [number, number, number];
  readonly fullPathWeights: readonly [number, number, number, number];
  readonly emptyPathChannel: string;
  readonly directValues: readonly string[];
  readonly missingFacts: MissingFacts;
  readonly markov: Required<MarkovParams>;
  readonly shapley: Required<ShapleyParams>;
  readonly topPaths: number;
  readonly topPathsCapacity: number;
  readonly pathsAreDistinct: boolean;
}

export const DEFAULT_PARAMS: ResolvedParams = {
  lookbackMs: 90 * DAY_MS,
  halfLifeMs: 7 * DAY_MS,
  positionWeights: { first: 0.4, last: 0.4 },
  wShapedWeights: [0.3, 0.3, 0.3],
  fullPathWeights: [0.225, 0.225, 0.225, 0.225],
  emptyPathChannel: '(direct)',
  directValues: ['(direct)', 'Direct', '(direct) / (none)'],
  missingFacts: MissingFacts.Error,
  markov: { order: 1, truncation: 'none', emptyPaths: EmptyPathPolicy.Direct, transitions: false },
  shapley: { characteristic: 'subset' },
  topPaths: 20,
  topPathsCapacity: 100_000,
  pathsAreDistinct: false,
};

/** Applies defaults and checks every parameter, naming the one at fault. */
export function resolveParams(p: AttributionParams = {}): ResolvedParams {
  const d = DEFAULT_PARAMS;
  const lookbackDays = p.lookbackDays ?? 90;
  check(lookbackDays > 0, 'lookbackDays', 'must be a positive number of days (Infinity keeps every touch)');
  const halfLifeDays = p.halfLifeDays ?? 7;
  check(halfLifeDays > 0 && Number.isFinite(halfLifeDays), 'halfLifeDays', 'must be a positive, finite number of days');
  const pw = p.positionWeights ?? d.positionWeights;
  check(pw.first >= 0 && pw.last >= 0 && pw.first + pw.last <= 1 + 1e-12, 'positionWeights', 'first and last must be ≥ 0 and sum to at most 1');
  const w = p.wShapedWeights ?? d.wShapedWeights;
  check(w.length === 3 && w.every((x) => x >= 0) && sum(w) <= 1 + 1e-12 && sum(w) > 0, 'wShapedWeights', 'needs 3 weights ≥ 0 summing to (0, 1]');
  const f = p.fullPathWeights ?? d.fullPathWeights;
  check(f.length === 4 && f.every((x) => x >= 0) && sum(f) <= 1 + 1e-12 && sum(f) > 0, 'fullPathWeights', 'needs 4 weights ≥ 0 summing to (0, 1]');
  const order = p.markov?.order ?? 1;
  check(Number.isInteger(order) && order >= 1 && order <= 4, 'markov.order', 'must be an integer from 1 to 4');
  const truncation = p.markov?.truncation ?? 'none';
  check(
    truncation === 'none' || truncation === 'channelattribution' || (Number.isInteger(truncation) && truncation >= 1),
    'markov.truncation',
    "must be 'none', 'channelattribution' or a positive integer max_step",
  );
  const characteristic = p.shapley?.characteristic ?? 'subset';
  check(characteristic === 'subset' || characteristic === 'exact', 'shapley.characteristic', "must be 'subset' or 'exact'");
  const topPaths = p.topPaths ?? 20;
  check(Number.isInteger(topPaths) && topPaths >= 0, 'topPaths', 'must be an integer ≥ 0');
  const topPathsCapacity = p.topPathsCapacity ?? 100_000;
  check(Number.isInteger(topPathsCapacity) && topPathsCapacity >= Math.max(1, topPaths), 'topPathsCapacity', 'must be an integer ≥ topPaths');
  return {
    lookbackMs: lookbackDays * DAY_MS,
    halfLifeMs: halfLifeDays * DAY_MS,
    positionWeights: pw,
    wShapedWeights: w,
    fullPathWeights: f,
    emptyPathChannel: p.emptyPathChannel ?? d.emptyPathChannel,
    directValues: p.directValues ?? d.directValues,
    missingFacts: p.missingFacts ?? d.missingFacts,
    markov: { order, truncation, emptyPaths: p.markov?.emptyPaths ?? EmptyPathPolicy.Direct, transitions: p.markov?.transitions ?? false },
    shapley: { characteristic },
    topPaths,
    topPathsCapacity,
    pathsAreDistinct: p.pathsAreDistinct ?? false,
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function check(ok: boolean, key: string, message: string): void {
  if (!ok) throw new RangeError(`attribution params: \`${key}\` ${message}`);
}
