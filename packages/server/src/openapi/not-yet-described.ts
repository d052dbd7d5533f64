/**
 * Routes of the server's tables (as `startHarness()` configures it) that declare no schemas or
 * examples yet, as `listener METHOD url`. test/ops/openapi.test.ts asserts this is exactly the set
 * missing from /openapi.json: describing a route means deleting its line here, and a new route
 * without a `doc` fails the test until it is described (or, knowingly, added here).
 */
export const NOT_YET_DESCRIBED: readonly string[] = [
];
