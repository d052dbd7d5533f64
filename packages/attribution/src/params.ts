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

/** What the models do with direct touches (GA4: Direct gets credit only when nothing else is on the path). */
export const DirectPolicy = {
  /**
   * Leave direct touches out of every model when the path holds any other touch; a path of only
   * direct touches keeps them, so Direct is credited (GA4's attribution, and its "paid and organic"
   * last click).
   */
  Ignore: 'ignore',
  /** Treat direct touches like any channel (ChannelAttribution's view: a state like any other). */
  Credit: 'credit',
} as const;
export type DirectPolicy = (typeof DirectPolicy)[keyof typeof DirectPolicy];

/** The path summaries a result can carry; each costs work per path, so a caller names those it shows. */
export const SUMMARIES = ['top_paths', 'time_to_convert', 'touches_to_convert'] as const;
export type Summary = (typeof SUMMARIES)[number];

/** The direct labels Touchline knows by default (compared ignoring case). */
export const DEFAULT_DIRECT_LABELS: readonly string[] = ['direct', '(direct)', '(direct) / (none)'];

export interface PositionWeights {
  /** @defaultValue 0.4 */
  readonly first: number;
  /** @defaultValue 0.4 */
  readonly last: number;
}

export interface MarkovParams {
  /**
   * Order k of the chain: states are the sliding windows of k consecutive touches (a path shorter
   * than k is one state), consecutive identical states then merged (ChannelAttribution's definition).
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
  /**
   * Conversions with no touch: `'direct'` credits them to `emptyPathChannel`, as every rule model
   * does; `'redistribute'` is ChannelAttribution's (start)→(conversion) edge, whose conversions the
   * removal effects spread over the channels.
   * @defaultValue 'direct'
   */
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
   * Level values that are direct touches, compared ignoring case (so `Direct`, the GA4 channel,
   * matches `direct`): what {@link direct} leaves out and last non-direct skips.
   * @defaultValue `['direct', '(direct)', '(direct) / (none)']`
   */
  readonly directLabels?: readonly string[];
  /**
   * `'ignore'`: direct touches get no credit in any model when the path holds another touch (GA4);
   * a path of only direct touches credits them. `'credit'`: direct is a channel like the others.
   * @defaultValue 'ignore'
   */
  readonly direct?: DirectPolicy;
  /** Time decay without times, W-shaped / full path without milestones. @defaultValue 'error' */
  readonly missingFacts?: MissingFacts;
  readonly markov?: MarkovParams;
  readonly shapley?: ShapleyParams;
  /**
   * The summaries to compute besides the models' credits. Each costs work on every path (top
   * paths, over paths that are not aggregated, a table of every distinct path), so name only those
   * you show; the result carries exactly these.
   * @defaultValue all of {@link SUMMARIES}
   */
  readonly summaries?: readonly Summary[];
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
  /** Lower case. */
  readonly directLabels: readonly string[];
  readonly direct: DirectPolicy;
  readonly missingFacts: MissingFacts;
  readonly markov: Required<MarkovParams>;
  readonly shapley: Required<ShapleyParams>;
  readonly summaries: ReadonlySet<Summary>;
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
  directLabels: DEFAULT_DIRECT_LABELS,
  direct: DirectPolicy.Ignore,
  missingFacts: MissingFacts.Error,
  markov: { order: 1, truncation: 'none', emptyPaths: EmptyPathPolicy.Direct, transitions: false },
  shapley: { characteristic: 'subset' },
  summaries: new Set(SUMMARIES),
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
  const emptyPaths = p.markov?.emptyPaths ?? EmptyPathPolicy.Direct;
  check(oneOf(EmptyPathPolicy, emptyPaths), 'markov.emptyPaths', "must be 'direct' or 'redistribute'");
  const direct = p.direct ?? DirectPolicy.Ignore;
  check(oneOf(DirectPolicy, direct), 'direct', "must be 'ignore' or 'credit'");
  const directLabels = p.directLabels ?? d.directLabels;
  check(Array.isArray(directLabels) && directLabels.every((x) => typeof x === 'string' && x !== ''), 'directLabels', 'must be a list of non-empty strings');
  const summaries = p.summaries ?? SUMMARIES;
  const unknown = Array.isArray(summaries) ? summaries.find((x) => !(SUMMARIES as readonly string[]).includes(x)) : 'not a list';
  check(unknown === undefined, 'summaries', `must list some of ${SUMMARIES.join(', ')} (got ${JSON.stringify(unknown)})`);
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
    directLabels: directLabels.map((x) => x.toLowerCase()),
    direct,
    missingFacts: p.missingFacts ?? d.missingFacts,
    markov: { order, truncation, emptyPaths, transitions: p.markov?.transitions ?? false },
    shapley: { characteristic },
    summaries: new Set(summaries),
    topPaths,
    topPathsCapacity,
    pathsAreDistinct: p.pathsAreDistinct ?? false,
  };
}

function oneOf(values: Readonly<Record<string, string>>, x: unknown): boolean {
  return Object.values(values).includes(x as string);
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function check(ok: boolean, key: string, message: string): void {
  if (!ok) throw new RangeError(`attribution params: \`${key}\` ${message}`);
}
