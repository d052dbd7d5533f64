import { escapePointer } from './violations.js';

/**
 * The keys a plan's schema names, nested: a property whose schema names its own properties (an
 * object), or whose `items` do (an array of objects, `products[]`), is checked inside too. A
 * property whose schema names none (a free-form object) is not: anything may be in it.
 */
export interface KeyShape {
  readonly keys: ReadonlyMap<string, Inner>;
}

/** What is known inside a named key: its properties as an object, its items' as an array. */
interface Inner {
  readonly object?: KeyShape;
  readonly items?: KeyShape;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The shape of an object schema, or undefined when it names no properties. */
function shapeOf(schema: unknown): KeyShape | undefined {
  const props = obj(obj(schema)?.['properties']);
  if (!props) return undefined;
  const keys = new Map<string, Inner>();
  for (const [k, s] of Object.entries(props)) {
    const object = shapeOf(s);
    const items = shapeOf(obj(s)?.['items']);
    keys.set(k, { ...(object ? { object } : {}), ...(items ? { items } : {}) });
  }
  return { keys };
}

/** The top-level shape: a schema that names no properties knows no key (every key is unplanned). */
export function topShape(schema: Record<string, unknown>): KeyShape {
  return shapeOf(schema) ?? { keys: new Map() };
}

/** Every key name a shape holds, at any depth, with its dotted path (`products[].product_id`). */
export function* shapeKeys(shape: KeyShape, prefix = ''): Generator<{ readonly key: string; readonly label: string }> {
  for (const [key, inner] of shape.keys) {
    const label = prefix + key;
    yield { key, label };
    if (inner.object) yield* shapeKeys(inner.object, `${label}.`);
    if (inner.items) yield* shapeKeys(inner.items, `${label}[].`);
  }
}

/** An unplanned key: its name, its JSON Pointer (the first place seen) and its dotted path. */
export interface UnplannedKey {
  readonly key: string;
  readonly pointer: string;
  readonly label: string;
}

/**
 * The keys of `value` its shape does not name, at any depth the shape reaches; one per dotted
 * path (an array of 50 products with one extra key is one finding, at the first product that has it).
 */
export function unplannedKeys(value: Record<string, unknown>, shape: KeyShape, pointer: string): UnplannedKey[] {
  const out = new Map<string, UnplannedKey>();
  const walk = (v: Record<string, unknown>, s: KeyShape, at: string, label: string): void => {
    for (const key in v) {
      const inner = s.keys.get(key);
      const here = `${at}/${escapePointer(key)}`;
      if (!inner) {
        if (!out.has(label + key)) out.set(label + key, { key, pointer: here, label: label + key });
        continue;
      }
      const child = v[key];
      if (inner.object && obj(child)) walk(obj(child)!, inner.object, here, `${label}${key}.`);
      if (inner.items && Array.isArray(child)) child.forEach((c, i) => obj(c) && walk(obj(c)!, inner.items!, `${here}/${i}`, `${label}${key}[].`));
    }
  };
  walk(value, shape, pointer, '');
  return [...out.values()];
}

/** `value` without the keys its shape does not name, at every depth the shape reaches. */
export function withoutUnplanned(value: Record<string, unknown>, shape: KeyShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const inner = shape.keys.get(key);
    if (!inner) continue;
    if (inner.object && obj(child)) out[key] = withoutUnplanned(obj(child)!, inner.object);
    else if (inner.items && Array.isArray(child)) out[key] = child.map((c) => (obj(c) ? withoutUnplanned(obj(c)!, inner.items!) : c));
    else out[key] = child;
  }
  return out;
}
