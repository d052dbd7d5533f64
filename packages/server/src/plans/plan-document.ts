import { z } from 'zod';

/**
 * The tracking plan as its owners write it (YAML or JSON, in their own repository;
 * docs/tracking-plans.md). Each event, and the traits of `identify` and `group`, has a JSON Schema
 * for its properties, a description and an owner; plan-wide rules name how events and properties
 * are spelled. The version is stored on every event the plan judged.
 */

/** How names are spelled. `Object Action` is Title Case with at least two words (`Order Completed`). */
export const NAMING_RULES = ['Title Case', 'Object Action', 'snake_case', 'camelCase', 'any'] as const;
export type NamingRule = (typeof NAMING_RULES)[number];

/** A JSON Schema for an object of properties (or traits): checked by ajv when the plan compiles. */
const PropertiesSchema = z.record(z.string(), z.unknown());

const Entry = z
  .object({
    description: z.string().default(''),
    owner: z.string().default(''),
    /** JSON Schema of `properties` (events) or `traits` (identify, group). */
    properties: PropertiesSchema.optional(),
    traits: PropertiesSchema.optional(),
  })
  .strict();

export const PlanDocumentSchema = z
  .object({
    /** The plan's version, stored on every event it judged (`plan_version`). */
    version: z.union([z.string().min(1).max(64), z.number()]).transform(String),
    name: z.string().default('plan'),
    naming: z
      .object({ events: z.enum(NAMING_RULES).default('any'), properties: z.enum(NAMING_RULES).default('any') })
      .strict()
      .prefault({}),
    events: z.record(z.string().min(1), Entry).default({}),
    identify: Entry.optional(),
    group: Entry.optional(),
  })
  .strict();

export type PlanDocument = z.infer<typeof PlanDocumentSchema>;
export type PlanEntry = z.infer<typeof Entry>;

/** A plan file folder: one file holds `version` (and `naming`); every file may hold events. */
export const PlanPartSchema = PlanDocumentSchema.partial({ version: true });
