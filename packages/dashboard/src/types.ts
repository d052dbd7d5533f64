/** The admin API's answers as the dashboard reads them (src/dashboard/ and src/attribution/ on the server). */
export interface Overview {
  since: string;
  until: string;
  days: { day: string; events: number; visitors: number; conversions: number; revenue: number; failed: number }[];
  totals: { events: number; visitors: number; conversions: number; revenue: number; failed: number };
  health: { sessions: number; withUtm: number; withClickId: number; withTouch: number; conversions: number; attributable: number; arrivals: { library: string; arrivals: number }[] };
}

export interface Me {
  actor: { kind: string; name: string; email?: string; role?: string };
  actions: string[];
}

export interface Settings {
  engine: string;
  conversions: string[];
  lookbackDays: number;
  direct: string;
  models: string[];
  levels: string[];
}

export interface Credit {
  conversions: number;
  value: number;
}

export interface AttributionAnswer {
  level: string;
  models: { model: string; credits: Record<string, Credit> }[];
  totals: { conversions: number; value: number; empty_path_conversions: number; paths: number };
  top_paths?: { approximate: boolean; paths: { path: string[]; conversions: number; value: number }[] };
  time_to_convert?: { conversions: number; median: number | null; mean: number | null; p90: number | null; by_day: { days: number; conversions: number }[] };
  touches_to_convert?: { conversions: number; median: number | null; mean: number | null; p90: number | null; by_touches: { touches: number; conversions: number }[] };
  notes: string[];
  timings: { totalMs: number };
  /** Cost per level value in `currency` (imported ad spend); CPA and ROAS follow each model's credits. */
  spend?: { currency: string; cost: Record<string, number>; totalCost: number; notes: string[] };
}

export interface QualityAnswer {
  total: number;
  groups: { reason: string; field: string | null; endpoint: string | null; count: number; lastAt: string; example: string | null }[];
}
