import { destinations, isDestinationName, type Destination } from '@touchline/destinations';

/**
 * A destination seen by the engine, which handles every vendor the same way: config and payload
 * are opaque values the destination itself parsed and built.
 */
export type AnyDestination = Destination<unknown, unknown>;

/**
 * The registry entry for a type name. The registry is typed per vendor; the engine erases the
 * types here, in one place (each destination's own `configSchema` produced the config it gets).
 */
export function destinationOf(type: string): AnyDestination | undefined {
  return isDestinationName(type) ? (destinations[type] as unknown as AnyDestination) : undefined;
}
