import { z } from 'zod';

/** Property names Touchline reads out of `properties` in SQL: plain keys only (no paths, no quotes). */
const PROPERTY_NAME = /^[A-Za-z0-9_$][A-Za-z0-9_$ -]{0,63}$/;
const propertyName = z.string().regex(PROPERTY_NAME, 'must be a top-level property name (letters, digits, _ $ - and spaces)');

/**
 * One kind of conversion: which `track` events count, where their value is, in which currency.
 *
 * @example
 * ```json
 * { "name": "Purchase", "events": ["Order Completed"], "value": ["revenue", "value"], "currency": "EUR" }
 * ```
 */
export const ConversionDefinitionSchema = z
  .object({
    /** The name reports use. @defaultValue the first event name */
    name: z.string().min(1).optional(),
    /** `track` event names that are this conversion (exact, case-sensitive). */
    events: z.array(z.string().min(1)).min(1),
    /**
     * Property holding the conversion's value; a list is tried in order (the first that holds a
     * number wins). A missing or non-numeric value counts as 0.
     * @defaultValue `["value", "revenue", "total"]`
     */
    value: z.union([propertyName, z.array(propertyName).min(1)]).default(['value', 'revenue', 'total']),
    /**
     * The currency values are in. Events that state another currency in `currencyProperty` are
     * left out (and counted as such): Touchline does not convert currencies. Unset: every event
     * counts whatever it states.
     */
    currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code').optional(),
    /** @defaultValue `currency` */
    currencyProperty: propertyName.default('currency'),
  })
  .strict();
export type ConversionDefinition = z.infer<typeof ConversionDefinitionSchema>;

/** What counts as a conversion when the configuration names none: Segment's e-commerce spec. */
export const DEFAULT_CONVERSIONS: readonly ConversionDefinition[] = [
  { name: 'Order Completed', events: ['Order Completed'], value: ['value', 'revenue', 'total'], currencyProperty: 'currency' },
];

/** Value properties of a definition, as a list. */
export function valueProperties(d: ConversionDefinition): readonly string[] {
  return typeof d.value === 'string' ? [d.value] : d.value;
}
