export * from './config/config.js';
export * from './server.js';
export * from './warehouse/warehouse.js';
export { openWarehouse } from './warehouse/open-warehouse.js';
export { main as cli } from './cli/main.js';
export { inProcessTransport } from './tracker-endpoint/in-process-transport.js';
export type { TouchStore } from './tracker-endpoint/touch-store.js';
