/**
 * The destinations registry as the engine sees it lives in `registry/` (below config, engine and
 * forwarding, which all need it); re-exported here for the modules that import it from the engine.
 */
export { destinationOf, type AnyDestination } from '../registry/any-destination.js';
