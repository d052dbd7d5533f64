import { Ajv, type ValidateFunction } from 'ajv';
import type { SegmentEvent } from '@touchline/protocol';
import { followsNaming } from './naming.js';
import type { NamingRule, PlanDocument, PlanEntry } from './plan-document.js';
import { shapeKeys, topShape, unplannedKeys, withoutUnplanned, type KeyShape } from './plan-keys.js';
import { fromAjv, type Violation, type ViolationAction } from './violations.js';

/** A plan that cannot be used: the message names the event and what to fix. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}

/** What a source does with each kind of finding (config `plans.sources`; docs/tracking-plans.md). */
export interface PlanModes {
  /** `off`: not judged; `allow`: stored, each violation recorded; `block`: quarantined in failed_events. */
  readonly mode: 'off' | 'allow' | 'block';
  /** An event the plan does not name. */
  readonly unplannedEvents: 'allow' | 'block';
  /** A property (or trait) the event's schema does not name. */
  readonly unplannedProperties: 'allow' | 'drop' | 'block';
}

/** The plan's verdict on one event. */
export interface PlanVerdict {
  /** Quarantine the event (its violations say why). */
  readonly block: boolean;
  readonly violations: readonly Violation[];
  /** The event to store: the same object unless unplanned properties were dropped. */
  readonly event: SegmentEvent;
}

interface CompiledEntry {
  readonly validate: ValidateFunction;
  /** Keys the schema names, nested (unplanned properties are the others): plan-keys.ts. */
  readonly known: KeyShape;
}

export interface CompiledPlan {
  readonly version: string;
  readonly name: string;
  readonly document: PlanDocument;
  /** Judges a valid event; `undefined` for calls the plan does not cover (page, screen, alias, or no identify/group entry). */
  judge(e: SegmentEvent, modes: PlanModes): PlanVerdict | undefined;
}

function compileEntry(ajv: Ajv, entry: PlanEntry | undefined, where: string): CompiledEntry {
  const schema = { type: 'object', ...(entry?.properties ?? entry?.traits ?? {}) };
  try {
    return { validate: ajv.compile(schema), known: topShape(schema) };
  } catch (err) {
    throw new PlanError(`${where}: not a usable JSON Schema (${(err as Error).message})`);
  }
}

/** The plan's own names must follow its naming rules: a plan that breaks them is refused. */
function checkOwnNames(doc: PlanDocument): void {
  for (const [name, entry] of Object.entries(doc.events)) {
    if (!followsNaming(name, doc.naming.events)) throw new PlanError(`events["${name}"]: the name does not follow naming.events (${doc.naming.events})`);
    for (const { key, label } of shapeKeys(topShape(entry.properties ?? {}))) {
      if (!followsNaming(key, doc.naming.properties)) {
        throw new PlanError(`events["${name}"]: properties.${label}: the name does not follow naming.properties (${doc.naming.properties})`);
      }
    }
  }
}

/**
 * Compiles every schema once (ajv generates a function per event), so judging an event on the hot
 * path is a map lookup, one generated function over the already parsed object, and a key scan.
 */
export function compilePlan(doc: PlanDocument): CompiledPlan {
  checkOwnNames(doc);
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
  const events = new Map<string, CompiledEntry>();
  for (const [name, entry] of Object.entries(doc.events)) events.set(name, compileEntry(ajv, entry, `events["${name}"].properties`));
  const identify = doc.identify ? compileEntry(ajv, doc.identify, 'identify.traits') : undefined;
  const group = doc.group ? compileEntry(ajv, doc.group, 'group.traits') : undefined;
  const naming = doc.naming;
  return {
    version: doc.version,
    name: doc.name,
    document: doc,
    judge(e, modes) {
      if (e.type === 'track') return judgeTrack(events, naming, e, modes);
      if (e.type === 'identify' && identify) return judgeObject(identify, naming.properties, e, 'traits', traitsOf(e), modes);
      if (e.type === 'group' && group) return judgeObject(group, naming.properties, e, 'traits', traitsOf(e), modes);
      return undefined;
    },
  };
}

/** An identify's traits: top level, or (RudderStack) `context.traits`, as the row stores them. */
function traitsOf(e: SegmentEvent): Record<string, unknown> {
  const t = e.traits ?? (e.type === 'identify' ? (e.context as Record<string, unknown> | undefined)?.['traits'] : undefined);
  return typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Record<string, unknown>) : {};
}

function judgeTrack(events: ReadonlyMap<string, CompiledEntry>, naming: PlanDocument['naming'], e: SegmentEvent, modes: PlanModes): PlanVerdict {
  const name = e.event ?? '';
  const entry = events.get(name);
  if (entry) return judgeObject(entry, naming.properties, e, 'properties', e.properties ?? {}, modes);
  const action: ViolationAction = modes.unplannedEvents === 'block' ? 'blocked' : 'recorded';
  const violations: Violation[] = [{ kind: 'unplanned_event', path: '/event', message: `"${name}" is not in the plan`, action }];
  if (!followsNaming(name, naming.events)) violations.push({ kind: 'naming', path: '/event', message: `does not follow naming.events (${naming.events})`, action });
  return { block: action === 'blocked', violations, event: e };
}

/** Unplanned keys first (they may be dropped before the schema sees them), then the schema. */
function judgeObject(
  entry: CompiledEntry,
  propertyNaming: NamingRule,
  e: SegmentEvent,
  root: 'properties' | 'traits',
  value: Record<string, unknown>,
  modes: PlanModes,
): PlanVerdict {
  const violations: Violation[] = [];
  // Nested keys too (`products[].product_id`); `context` is never judged (docs/tracking-plans.md).
  const found = unplannedKeys(value, entry.known, `/${root}`);
  const unplanned = found.length > 0 ? found : undefined;
  let checked = value;
  let event = e;
  if (unplanned) {
    const action: ViolationAction = modes.unplannedProperties === 'allow' ? 'recorded' : modes.unplannedProperties === 'drop' ? 'dropped' : 'blocked';
    for (const u of unplanned) {
      violations.push({ kind: 'unplanned_property', path: u.pointer, message: `"${u.label}" is not in the plan's schema`, action });
      if (!followsNaming(u.key, propertyNaming)) violations.push({ kind: 'naming', path: u.pointer, message: `does not follow naming.properties (${propertyNaming})`, action });
    }
    if (action === 'dropped') {
      checked = withoutUnplanned(value, entry.known);
      // An identify's traits may be RudderStack's `context.traits`: dropped where they are.
      event = root === 'properties' || e.traits ? { ...e, [root]: checked } : { ...e, context: { ...e.context, traits: checked } };
    }
  }
  const schemaAction: ViolationAction = modes.mode === 'block' ? 'blocked' : 'recorded';
  if (!entry.validate(checked)) {
    // A schema with `additionalProperties: false` reports the unplanned keys again: counted once.
    const found = fromAjv(entry.validate.errors ?? [], root, schemaAction).filter((v) => v.kind !== 'unplanned_property' || !unplanned);
    violations.push(...found);
  }
  const block = violations.some((v) => v.action === 'blocked');
  return { block, violations, event };
}
