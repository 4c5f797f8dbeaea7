// Builds the Go programs the tests check Kiln's output with (Tekton's validation, actionlint, the
// Argo schema checker) into ~/.cache/kiln when missing, so that no test waits on a cold Go build.
// scripts/setup.sh runs it; each builder is the one the tests call, so a second call is a no-op.
import { actionlint, argoSchema } from './go-tools.js';
import { tektonValidator } from './tekton-validate.js';

const started = Date.now();
for (const [name, build] of [
  ['tekton-validate', tektonValidator],
  ['actionlint', actionlint],
  ['argo-schema', argoSchema],
] as const) {
  const t = Date.now();
  build();
  console.log(`setup: ${name} ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
console.log(`setup: Go test tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
