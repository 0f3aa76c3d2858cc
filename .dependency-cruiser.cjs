// Import-direction rules, checked by `npm run lint:deps` (part of `npm test`).
// Layers, lowest first (a layer may import only layers to its left):
//   foundation <- config <- db <- policy <- framework <- feed/backends
//   <- extensions <- api <- app.ts/service.ts/cli
// identity/ sits beside api/: it serves its own HTTP API and gives the Networking API its
// authenticators; it may import foundation, config and db only.
// Type-only imports count: a cycle of `import type` is still a cycle for a reader.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only ones included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'foundation-is-the-base',
      severity: 'error',
      comment: 'foundation/ (context, errors, validation, ids, time) imports nothing else from src.',
      from: { path: '^src/foundation/' },
      to: { path: '^src/', pathNot: '^src/foundation/' },
    },
    {
      name: 'config-imports-foundation-only',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(foundation|config)/' },
    },
    {
      name: 'db-imports-below-only',
      severity: 'error',
      comment: 'db/ (open, transactions, locks, migration runner) knows no feature, framework, policy or API.',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: '^src/(foundation|config|db)/' },
    },
    {
      name: 'policy-imports-below-only',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { path: '^src/', pathNot: '^src/(foundation|config|db|policy)/' },
    },
    {
      name: 'nothing-below-api-imports-api',
      severity: 'error',
      comment: 'Only the HTTP layer, the composition root and the CLI import src/api.',
      from: { path: '^src/', pathNot: '^src/(api/|app\\.ts$|service\\.ts$|cli/)' },
      to: { path: '^src/api/' },
    },
    {
      name: 'only-the-entry-points-import-the-app',
      severity: 'error',
      comment: 'Services get narrow dependencies (ServiceDeps), never the App: app.ts is imported by service.ts, the CLI and the HTTP layer only.',
      from: { path: '^src/', pathNot: '^src/(api/|service\\.ts$|cli/)' },
      to: { path: '^src/(app|service)\\.ts$' },
    },
    {
      name: 'identity-beside-api',
      severity: 'error',
      from: { path: '^src/identity/' },
      to: { path: '^src/', pathNot: '^src/(foundation|config|db|identity)/' },
    },
    {
      name: 'framework-knows-no-feature',
      severity: 'error',
      comment: 'Generic machinery (framework/) never imports a feature, the feed/backends or the API; features are found by discovery.ts at start-up.',
      from: { path: '^src/framework/' },
      to: { path: '^src/(extensions|feed|backends|api)/' },
    },
    {
      name: 'feed-and-backends-below-extensions',
      severity: 'error',
      from: { path: '^src/(feed|backends)/' },
      to: { path: '^src/(extensions|api)/' },
    },
    {
      name: 'agent-is-a-client',
      severity: 'error',
      comment: 'The host agent (src/agent/) talks to the server over HTTP only: it shares device names with the linux driver, the metadata port names with the ovn driver, the verify checks (types), and nothing else.',
      from: { path: '^src/agent/' },
      to: { path: '^src/', pathNot: '^src/(foundation/|agent/|backends/linux/names\\.ts$|backends/ovn/metadata-names\\.ts$|backends/path-checks\\.ts$)' },
    },
    {
      name: 'dashboard-stands-alone',
      severity: 'error',
      comment: 'dashboard/ (static front end + identity pass-through) reads data only through the public APIs: it imports nothing from src but foundation.',
      from: { path: '^src/dashboard/' },
      to: { path: '^src/', pathNot: '^src/(foundation|dashboard)/' },
    },
    {
      name: 'ovsdb-stands-alone',
      severity: 'error',
      comment: 'src/ovsdb/ (an RFC 7047 client) knows nothing of Neutrino: only backends (ovn) import it.',
      from: { path: '^src/ovsdb/' },
      to: { path: '^src/', pathNot: '^src/ovsdb/' },
    },
    {
      name: 'only-the-ovn-backend-uses-ovsdb',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(ovsdb|backends/ovn)/' },
      to: { path: '^src/ovsdb/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
