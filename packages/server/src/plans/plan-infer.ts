import { stringify } from 'yaml';
import type { Warehouse } from '../warehouse/warehouse.js';
import { followsNaming } from './naming.js';
import type { NamingRule, PlanDocument } from './plan-document.js';
import { storedCalls, type ReceivedRange } from './plan-rows.js';
import { jsonType } from './violations.js';

export interface InferOptions {
  /** A string property with at most this many distinct values becomes an enum. @defaultValue 10 */
  readonly maxEnumValues?: number;
  /** …when seen at least this many times (fewer sightings prove nothing). @defaultValue 20 */
  readonly minEnumSupport?: number;
}

interface PropStats {
  present: number;
  types: Set<string>;
  /** Distinct strings, up to maxEnumValues + 1 (one more means: not an enum). */
  values: Set<string>;
}

interface EntryStats {
  count: number;
  props: Map<string, PropStats>;
}

function observe(stats: EntryStats, value: Record<string, unknown> | undefined, maxEnum: number): void {
  stats.count++;
  for (const [k, v] of Object.entries(value ?? {})) {
    let p = stats.props.get(k);
    if (!p) stats.props.set(k, (p = { present: 0, types: new Set(), values: new Set() }));
    p.present++;
    p.types.add(jsonType(v) === 'integer' ? 'number' : jsonType(v));
    if (typeof v === 'string' && p.values.size <= maxEnum) p.values.add(v);
  }
}

function schemaOf(stats: EntryStats, maxEnum: number, minSupport: number): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [k, p] of [...stats.props.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const types = [...p.types].sort();
    const s: Record<string, unknown> = { type: types.length === 1 ? types[0] : types };
    const onlyStrings = types.length === 1 && types[0] === 'string';
    if (onlyStrings && p.values.size <= maxEnum && p.present >= minSupport && p.values.size < p.present) s['enum'] = [...p.values].sort();
    s['description'] = `seen in ${p.present} of ${stats.count}`;
    properties[k] = s;
    if (p.present === stats.count) required.push(k);
  }
  return required.length > 0 ? { properties, required } : { properties };
}

/** Naming rules, strictest first (every Object Action name is Title Case too). */
const STRICTEST_FIRST: readonly NamingRule[] = ['Object Action', 'Title Case', 'snake_case', 'camelCase'];

/** The strictest naming rule every name follows (`any` when none does). */
function namingOf(names: readonly string[]): NamingRule {
  return STRICTEST_FIRST.find((r) => names.length > 0 && names.every((n) => followsNaming(n, r))) ?? 'any';
}

/**
 * `touchline plan infer`: a draft plan from the calls stored over `range` — each track event with
 * the types seen per property, enums for strings with few values, `required` for properties every
 * call had; identify and group traits likewise; naming rules every observed name follows.
 */
export async function inferPlan(w: Warehouse, range: ReceivedRange, o: InferOptions = {}): Promise<PlanDocument> {
  const maxEnum = o.maxEnumValues ?? 10;
  const minSupport = o.minEnumSupport ?? 20;
  const events = new Map<string, EntryStats>();
  const identify: EntryStats = { count: 0, props: new Map() };
  const group: EntryStats = { count: 0, props: new Map() };
  for await (const { event: e } of storedCalls(w, range)) {
    if (e.type === 'identify') observe(identify, e.traits, maxEnum);
    else if (e.type === 'group') observe(group, e.traits, maxEnum);
    else {
      const name = e.event ?? '';
      let s = events.get(name);
      if (!s) events.set(name, (s = { count: 0, props: new Map() }));
      observe(s, e.properties, maxEnum);
    }
  }
  const propNames = [...events.values(), identify, group].flatMap((s) => [...s.props.keys()]);
  const entry = (s: EntryStats, key: 'properties' | 'traits') => ({ description: `seen ${s.count} times`, owner: '', [key]: schemaOf(s, maxEnum, minSupport) });
  return {
    version: '0.1.0',
    name: 'plan',
    naming: { events: namingOf([...events.keys()]), properties: namingOf(propNames) },
    events: Object.fromEntries([...events.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, s]) => [n, entry(s, 'properties')])),
    ...(identify.count > 0 ? { identify: entry(identify, 'traits') } : {}),
    ...(group.count > 0 ? { group: entry(group, 'traits') } : {}),
  };
}

/** A plan as the YAML a team keeps in its repository. */
export function planYaml(doc: PlanDocument): string {
  return stringify(doc, { lineWidth: 0 });
}
