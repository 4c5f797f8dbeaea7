// The agent image the pod builder's init container copies the agent from: images/agent built from
// this package's dist/kiln tree, tagged by the agent executable's size and mtime so a rebuilt
// agent gets a new image and an unchanged one is built once.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Podman } from './podman.js';
import { PodmanError } from './errors.js';

export async function ensureAgentImage(podman: Podman, packageRoot: string): Promise<string> {
  const agent = join(packageRoot, 'dist/kiln/bin/kiln-agent');
  if (!existsSync(agent))
    throw new PodmanError(`the portable agent tree ${agent} is missing`, [], '', 'run `npm run build` first');
  const st = statSync(agent);
  const image = `localhost/kiln-agent:${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}`;
  const exists = await podman.run(['image', 'exists', image]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const file = join(packageRoot, 'images/agent/Dockerfile');
    await podman.run(['build', '-q', '-t', image, '-f', file, '--ignorefile', `${file}.ignore`, packageRoot], 600_000);
  }
  return image;
}
