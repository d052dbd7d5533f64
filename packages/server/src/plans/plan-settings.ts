import { z } from 'zod';

const Modes = z
  .object({
    /** `off`: not judged; `allow`: stored with each violation recorded; `block`: quarantined in failed_events. */
    mode: z.enum(['off', 'allow', 'block']).optional(),
    /** An event the plan does not name: stored (and recorded) or quarantined. */
    unplannedEvents: z.enum(['allow', 'block']).optional(),
    /** A property or trait its schema does not name: kept (recorded), removed (recorded), or the event quarantined. */
    unplannedProperties: z.enum(['allow', 'drop', 'block']).optional(),
  })
  .strict();

/** The config's `plans` section (docs/tracking-plans.md). */
export const PlansConfigSchema = z
  .object({
    /** The tracking plan: a YAML or JSON file, or a folder of them. Absent: no event is judged. */
    path: z.string().min(1).optional(),
    /** Modes of every source not listed in `sources`. @defaultValue allow / allow / allow */
    default: Modes.prefault({}),
    /** Modes per source, by source name (`default`, `web`…), over `default`. */
    sources: z.record(z.string(), Modes).default({}),
  })
  .strict()
  .prefault({});

export type PlansConfig = z.infer<typeof PlansConfigSchema>;
