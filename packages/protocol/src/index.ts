export * from './click-ids.js';
export * from './event.js';
export * from './limits.js';
export * from './touch.js';
export * from './touch-rules.js';
export * from './validate-event.js';
export * from './retry.js';
