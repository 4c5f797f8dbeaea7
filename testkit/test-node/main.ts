// The test node as a process (scripts/k8s-env.sh starts it):
//   node --import tsx testkit/test-node/main.ts --name NODE --mode podman|statuses --state DIR --root REPO
// KUBECONFIG names the cluster. In podman mode it builds the agent image (runtimes/podman's
// ensureAgentImage) first; once the Node is registered and its Pods are watched it writes the
// agent image's name to DIR/ready. SIGTERM kills and removes the Pods it runs, then exits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureAgentImage, Podman } from '../../runtimes/podman/index.js';
import { podmanPlayer } from './podman-player.js';
import { statusPlayer } from './status-player.js';
import { TestNode } from './node.js';

const { values: a } = parseArgs({
  options: {
    name: { type: 'string', default: 'kiln-test-node' },
    mode: { type: 'string', default: 'podman' },
    state: { type: 'string' },
    root: { type: 'string', default: process.cwd() },
    'step-ms': { type: 'string', default: '20' },
  },
});
if (!a.state) throw new Error('test node: --state DIR is required');
if (a.mode !== 'podman' && a.mode !== 'statuses') throw new Error(`test node: --mode ${a.mode}: podman or statuses`);
mkdirSync(a.state, { recursive: true });
const log = (line: string) => process.stderr.write(`test-node: ${line}\n`);

const podman = new Podman({
  argv: (process.env.KILN_PODMAN ?? 'podman --runtime runc --cgroup-manager cgroupfs').split(/\s+/),
  env: process.env,
});
const agentImage = a.mode === 'podman' ? await ensureAgentImage(podman, a.root!) : 'localhost/kiln-agent:statuses';
const kc = new KubeConfig();
kc.loadFromDefault();
const node = new TestNode({
  kc,
  name: a.name!,
  player: a.mode === 'podman' ? podmanPlayer(podman, a.state, a.state) : statusPlayer(Number(a['step-ms'])),
  log,
});
await node.start();
writeFileSync(join(a.state, 'ready'), agentImage);
log(`${a.name} ready (${a.mode}), agent image ${agentImage}`);
process.once('SIGTERM', () => void node.stop().finally(() => process.exit(0)));
