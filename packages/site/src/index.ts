export * from './visitor-cookie.js';
export * from './landing.js';
export * from './delivery.js';
export * from './site-helper.js';
