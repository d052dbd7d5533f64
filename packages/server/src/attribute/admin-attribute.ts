import { ClientError } from '../http/client-error.js';
import type { ModelSettings } from '../definitions/model-settings.js';
import type { DerivedModel } from '../identity/derived-model.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { parseAttributeRequest } from './attribute-request.js';
import { runAttribution, type AttributeResponse } from './run-attribution.js';
import type { StoredPaths } from './stored-paths.js';

/**
 * `POST /admin/attribute`: the CLI's `touchline attribute` while the server runs (it holds the
 * DuckDB file). A bad request (unknown model or level, out-of-range parameter) answers 400 with
 * the reason. With `storedPaths` (DuckDB), a repeated filter combination reads its stored paths.
 */
export function attributeHandler(warehouse: Warehouse, config: ModelSettings, derived: DerivedModel, storedPaths?: StoredPaths): (body: unknown) => Promise<AttributeResponse> {
  return async (body) => {
    const parsed = parseAttributeRequest(body);
    if (!parsed.ok) throw new ClientError(400, 'bad_request', parsed.message);
    try {
      return await runAttribution(warehouse, config, parsed.request, { sessionsFresh: () => derived.sessionsFresh(), ...(storedPaths ? { storedPaths } : {}) });
    } catch (err) {
      if (err instanceof RangeError) throw new ClientError(400, 'bad_request', err.message);
      throw err;
    }
  };
}
