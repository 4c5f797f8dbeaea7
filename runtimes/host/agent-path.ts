// Where the local runtime finds kiln-agent: $KILN_AGENT (an executable), else the package's
// dist/kiln-agent single executable, else `node dist/agent.cjs` (the same agent, as a bundle), else
// (the single-executable `kiln`, which has no package around it) the kiln-agent beside it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentInDist } from '../../contract/proc/index.js';
import { LocalRuntimeError } from './errors.js';

/** The directory holding the package.json above `from` (the bundle's or the source's location). */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new LocalRuntimeError(`no package.json above ${from}`, undefined);
  }
}

/** packageRoot(), or null where there is none (the single-executable `kiln`). */
function packageRootIfAny(): string | null {
  try {
    return packageRoot();
  } catch {
    return null;
  }
}

/** The argv prefix that runs the agent: `[exe]` or `[node, agent.cjs]`. */
export function locateAgent(
  env: NodeJS.ProcessEnv = process.env,
  root: string | null = packageRootIfAny(),
  execPath: string = process.execPath,
): string[] {
  if (env.KILN_AGENT) {
    if (!existsSync(env.KILN_AGENT))
      throw new LocalRuntimeError(
        `KILN_AGENT=${env.KILN_AGENT} does not exist`,
        undefined,
        'point KILN_AGENT at a kiln-agent executable, or unset it',
      );
    return [env.KILN_AGENT];
  }
  const inDist = root ? agentInDist(join(root, 'dist')) : undefined;
  if (inDist) return inDist;
  const beside = join(dirname(execPath), 'kiln-agent');
  if (!root && existsSync(beside)) return [beside];
  throw new LocalRuntimeError(
    `kiln-agent not found in ${root ? join(root, 'dist') : dirname(execPath)}`,
    undefined,
    'run `npm run build` (or `make build`), or set KILN_AGENT',
  );
}
