// The rooms' boundaries (docs/architecture.md), checked by `npm run lint`. A room is a top-level
// folder (runtimes/<engine> each count as one) whose index.ts is its only face to other rooms.
const ROOM =
  '(runtimes/[^/]+|contract/log-wire|contract/cache|contract/metrics|contract/proc|contract/stream-garbage|agent|cli|collector|contract|controller|engine|export|syntax|triggers)';
const PRODUCT = `^${ROOM}/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in a circle: split out what both need.',
      from: { path: PRODUCT },
      to: { circular: true },
    },
    {
      name: 'agent-imports-only-contract',
      severity: 'error',
      comment: 'kiln-agent is injected into every pod and must stay small: it imports agent/ and contract/ only.',
      from: { path: '^agent/' },
      to: { dependencyTypesNot: ['core', 'npm', 'npm-dev'], pathNot: ['^agent/', '^contract/', '^package\\.json$'] },
    },
    {
      name: 'collector-imports-only-contract',
      severity: 'error',
      comment: 'The collector is a service of its own: it imports collector/ and contract/ only.',
      from: { path: '^collector/' },
      to: {
        dependencyTypesNot: ['core', 'npm', 'npm-dev'],
        pathNot: ['^collector/', '^contract/', '^package\\.json$'],
      },
    },
    {
      name: 'contract-imports-nothing',
      severity: 'error',
      comment: 'contract/ is what two parts agree on: it depends on no part.',
      from: { path: '^contract/' },
      to: { dependencyTypesNot: ['core', 'npm', 'npm-dev'], pathNot: ['^contract/'] },
    },
    {
      name: 'engine-imports-no-runtime-or-cli',
      severity: 'error',
      comment:
        'The engine owns the Runtime interface; runtimes, the controller and the CLI plug into it, not the other way round.',
      from: { path: '^engine/' },
      to: { path: '^(runtimes|cli|controller|collector|agent|export)/' },
    },
    {
      name: 'syntax-imports-only-contract',
      severity: 'error',
      comment: 'The syntax turns YAML into the model: it knows no engine, runtime or service.',
      from: { path: '^syntax/' },
      to: { dependencyTypesNot: ['core', 'npm', 'npm-dev'], pathNot: ['^syntax/', '^contract/'] },
    },
    {
      name: 'triggers-imports-only-syntax-and-contract',
      severity: 'error',
      comment: 'Triggers decide about deliveries: kiln serve and the controller use them, not the other way round.',
      from: { path: '^triggers/' },
      to: { dependencyTypesNot: ['core', 'npm', 'npm-dev'], pathNot: ['^triggers/', '^syntax/', '^contract/'] },
    },
    {
      name: 'only-through-index',
      severity: 'error',
      comment: 'Another room is reached through its index.ts only: export what you need there.',
      from: { path: PRODUCT },
      to: { path: PRODUCT, pathNot: ['^$1/', `^${ROOM}/index\\.ts$`] },
    },
    {
      name: 'product-imports-no-test-or-bench',
      severity: 'error',
      comment: 'Test helpers and benches stay out of production code.',
      from: { path: PRODUCT },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'bench-imports-no-test',
      severity: 'error',
      comment: 'A bench stands on its own; shared generators live in bench/ (tests may use them).',
      from: { path: '^bench/' },
      to: { path: '^test/' },
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
    exclude: { path: '^(node_modules|dist|\\.kiln)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
