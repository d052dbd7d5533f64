// The layer rules of Touchline (README.md, "Repository"), checked by `npm run lint:deps`, which
// `npm test` runs first: protocol <- core logic <- adapters <- apps, one way, no cycles.
// packages/server/test/architecture/dependency-rules.test.ts plants violations and sees them fail.
// .dependency-cruiser-known-violations.json lists violations the linter ignores: empty, since the
// last cycles (inside the destinations package) were broken; keep it so.

const SERVER = '^packages/server/src/';
/** The composition root and the CLI: the only modules that see the whole configuration. */
const APPS = `${SERVER}(server\\.ts|index\\.ts|cli/)`;
/** Rules and state over plain data and the warehouse *interface*: no HTTP, no engine. */
const CORE = `${SERVER}(definitions|identity|attribute|spool|loader|logging|data-dir|sources|clock|policy)/`;
/** Talk to the outside: engines, HTTP apps, the tracker endpoint, activation, export. */
const ADAPTERS = `${SERVER}(collector|tracker-endpoint|admin|export|activation|people|audit|control|dashboard|demo|warehouse/(duckdb|clickhouse)/|warehouse/open-warehouse\\.ts|http/(?!client-error\\.ts))`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A module cycle: split out what both sides need into a lower module.',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'Two folders import each other: one of them is not the layer it claims to be.',
      severity: 'error',
      scope: 'folder',
      // Known debt, to burn down, not to copy (listed so that no other folder joins it): the
      // destinations' contract shares types with its http/consent/auth helpers both ways.
      // (Activation's folders are layered: registry <- config <- model, store <- engine <- forwarding.)
      from: { path: '^packages/[^/]+/src/', pathNot: ['^packages/destinations/src/(contract|http|consent|auth)'] },
      to: { circular: true },
    },
    {
      name: 'apps-on-top',
      comment: 'Nothing imports the composition root or the CLI.',
      severity: 'error',
      from: { path: '^packages/', pathNot: APPS },
      to: { path: APPS },
    },
    {
      name: 'config-only-in-apps',
      comment: 'The root Config is mapped to narrow options by the apps; modules below take their section.',
      severity: 'error',
      from: { path: '^packages/', pathNot: [APPS, `${SERVER}config/`] },
      to: { path: `${SERVER}config/` },
    },
    {
      name: 'core-below-adapters',
      comment: 'Core logic (identity, attribution, definitions, spool, loader…) never reaches an engine, an HTTP app or activation.',
      severity: 'error',
      from: { path: CORE },
      to: { path: ADAPTERS },
    },
    {
      name: 'warehouse-interface-below-engines',
      comment: 'The warehouse interface and dialects never import an engine: the engines implement them.',
      severity: 'error',
      from: { path: `${SERVER}warehouse/(dialect/|[^/]+\\.ts$)`, pathNot: `${SERVER}warehouse/open-warehouse\\.ts` },
      to: { path: `${SERVER}warehouse/(duckdb|clickhouse)/` },
    },
    {
      name: 'collector-below-tracker-endpoint',
      comment: 'The tracker endpoint builds on the collector; its routes are handed in (collector/public-routes.ts).',
      severity: 'error',
      from: { path: `${SERVER}collector/` },
      to: { path: `${SERVER}tracker-endpoint/` },
    },
    {
      name: 'nothing-imports-server',
      comment: 'The server package is the top of the workspace.',
      severity: 'error',
      from: { path: '^packages/(?!server/)' },
      to: { path: '^packages/server/' },
    },
    {
      name: 'protocol-at-the-bottom',
      comment: '@touchline/protocol is types, schemas and registries: it imports no other workspace package.',
      severity: 'error',
      from: { path: '^packages/protocol/src/' },
      to: { path: '^packages/(?!protocol/)' },
    },
    {
      name: 'attribution-over-protocol-only',
      comment: '@touchline/attribution is pure: it builds on the protocol alone.',
      severity: 'error',
      from: { path: '^packages/attribution/src/' },
      to: { path: '^packages/(?!attribution/|protocol/)' },
    },
    {
      name: 'attribution-root-runtime-neutral',
      comment: "@touchline/attribution's root runs in a browser: Node built-ins only under its /node subpath.",
      severity: 'error',
      from: { path: '^packages/attribution/src/', pathNot: '^packages/attribution/src/node/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'tracker-imports-protocol-only',
      comment: 'The browser tracker stays small: its own files and @touchline/protocol, nothing else.',
      severity: 'error',
      from: { path: '^packages/tracker/src/' },
      to: { pathNot: '^packages/(tracker|protocol)/src/' },
    },
    {
      name: 'site-and-destinations-below-server',
      comment: 'The site helper and the destinations build on the protocol (and attribution), never on each other.',
      severity: 'error',
      from: { path: '^packages/(site|destinations)/src/' },
      to: { path: '^packages/(site|destinations|tracker)/', pathNot: '^packages/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    // `import type` counts: a type-only import still couples the layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    // Workspace packages resolve to their sources, as in the tests (vitest.config.ts).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['touchline-source', 'import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    preserveSymlinks: false,
  },
};
