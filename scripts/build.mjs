// `npm run build`: generated protobuf code, the CLI bundle (dist/kiln.mjs) and the agent
// (scripts/build-agent.mjs: dist/agent.cjs, the dist/kiln-agent single executable, dist/kiln/).
// Each piece is rebuilt only when its inputs are newer than its output.
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { genProto } from './gen-proto.mjs';

mkdirSync('dist', { recursive: true });
genProto();

await build({
  entryPoints: ['cli/entry.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  outfile: 'dist/kiln.mjs',
  logLevel: 'warning',
});

if (existsSync('scripts/build-agent.mjs')) {
  const { buildAgent } = await import('./build-agent.mjs');
  await buildAgent();
}
