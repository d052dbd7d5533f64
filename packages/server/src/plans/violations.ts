import type { ErrorObject } from 'ajv';

/**
 * What a tracking plan can find wrong with an event: RudderStack's violation taxonomy, finer where
 * a fix differs (a missing required property is fixed in the sender, a range in the plan or the data).
 */
export const VIOLATION_KINDS = [
  'unplanned_event',
  'unplanned_property',
  'required_missing',
  'type_mismatch',
  'enum',
  'pattern',
  'range',
  'naming',
  'invalid',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** What was done about a violation: stored as is, the property removed, or the event quarantined. */
export type ViolationAction = 'recorded' | 'dropped' | 'blocked';

/**
 * One violation, stored on the event's row (`plan_violations`). Never the offending value (it may be
 * personal data): its JSON type only.
 */
export interface Violation {
  readonly kind: ViolationKind;
  /** JSON pointer into the event: `/properties/revenue`, `/traits/email`, `/event`. */
  readonly path: string;
  readonly message: string;
  readonly action: ViolationAction;
}

const KIND_OF_KEYWORD: Readonly<Record<string, ViolationKind>> = {
  required: 'required_missing',
  dependentRequired: 'required_missing',
  type: 'type_mismatch',
  enum: 'enum',
  const: 'enum',
  pattern: 'pattern',
  format: 'pattern',
  minimum: 'range',
  maximum: 'range',
  exclusiveMinimum: 'range',
  exclusiveMaximum: 'range',
  multipleOf: 'range',
  minLength: 'range',
  maxLength: 'range',
  minItems: 'range',
  maxItems: 'range',
  additionalProperties: 'unplanned_property',
};

/** The JSON type of a value, as a plan author reads it. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** ajv's errors for `root` (`properties` or `traits`) as violations, each with a pointer and an action. */
export function fromAjv(errors: readonly ErrorObject[], root: string, action: ViolationAction): Violation[] {
  return errors.map((e) => {
    const params = e.params as Record<string, unknown>;
    let path = `/${root}${e.instancePath}`;
    let message = e.message ?? e.keyword;
    if (e.keyword === 'required') path += `/${escapePointer(String(params['missingProperty']))}`;
    if (e.keyword === 'additionalProperties') path += `/${escapePointer(String(params['additionalProperty']))}`;
    if (e.keyword === 'type') message += ` (got ${jsonType(e.data)})`;
    if (e.keyword === 'enum') message += `: ${JSON.stringify(params['allowedValues'])}`;
    return { kind: KIND_OF_KEYWORD[e.keyword] ?? 'invalid', path, message, action };
  });
}

/** A key as one JSON pointer segment (RFC 6901). */
export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
