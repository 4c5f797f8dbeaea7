// A task run's Tekton sidecars on podman. podman 4.3 has no native sidecars, so manifest.ts plays
// them as ordinary containers and this runtime does what the kubelet would: it holds the steps
// (the ready file starts empty) until each sidecar's startupProbe, then readinessProbe, succeeds —
// exec with `podman exec` in the sidecar's container, tcpSocket and httpGet on 127.0.0.1 (the Pod
// has the host's network) — and, once the last step has ended, stops them (`podman stop`: SIGTERM,
// then SIGKILL after the grace). Without the stop the Pod would never end: that was the hang.
// A sidecar's output is shipped as the host engine's is (sidecar-agent.ts).
import { rename, writeFile } from 'node:fs/promises';
import type { ResolvedSidecar, SidecarEnd } from '../../engine/index.js';
import { KILN_ROOT, kilnPaths } from '../../contract/index.js';
import { awaitSidecar, checkProbes, readiness, type SidecarsReady } from '../host/index.js';
import type { InspectedContainer } from './observe.js';
import type { PlayablePod } from './manifest.js';
import type { Podman } from './podman.js';
import { markUnposted, onHost, sidecarExitCode } from './sidecar-agent.js';

const P = kilnPaths(KILN_ROOT);

interface Sidecar {
  name: string;
  /** Its container's name in the Pod, and podman's (`<pod>-<container>`). */
  inPod: string;
  container: string;
  probes: ResolvedSidecar;
}

/**
 * What `podman exec` itself may take beyond the probe's timeoutSeconds (which is the command's, as
 * the kubelet times it): starting an exec session takes a second or more on a loaded machine.
 */
const PODMAN_EXEC_MS = 10_000;

export class PodSidecars {
  private readonly sidecars: Sidecar[];
  /** Whether each container still runs, as `podman wait` tells (an event, no polling). */
  private readonly running: boolean[];
  /** Why the runtime killed a sidecar itself (its startupProbe gave it up). */
  private readonly why: (string | undefined)[];

  constructor(
    private readonly podman: Podman,
    pod: string,
    taskRun: string,
    given: ResolvedSidecar[],
    played: PlayablePod['sidecars'],
    /** The host directory mounted at /kiln/run, and the first sidecar's index in the layout. */
    private readonly at: { runDir: string; firstIndex: number },
  ) {
    this.sidecars = played.map((p, j) => ({
      name: given[j]!.name,
      inPod: p.container,
      container: `${pod}-${p.container}`,
      probes: {
        ...given[j]!,
        readinessProbe: p.readinessProbe as Record<string, unknown> | undefined,
        // The pod builder makes one from the readinessProbe for the kubelet; only a written one is run here.
        startupProbe: given[j]!.startupProbe && (p.startupProbe as Record<string, unknown> | undefined),
      },
    }));
    this.sidecars.forEach((s) => checkProbes(taskRun, s.probes));
    this.running = this.sidecars.map(() => false);
    this.why = this.sidecars.map(() => undefined);
  }

  /** The sidecar of a container of the Pod (its name there), if it is one. */
  nameOf(podContainer: string): string | undefined {
    return this.sidecars.find((s) => s.inPod === podContainer)?.name;
  }

  /** Called once the Pod is played: each container is watched until it ends. */
  watch(): void {
    this.sidecars.forEach((s, j) => {
      this.running[j] = true;
      void this.podman
        .run(['wait', s.container], 0)
        .catch(() => undefined)
        .then(() => (this.running[j] = false));
    });
  }

  /**
   * Resolves once every sidecar is ready or has ended (Tekton counts an ended one as ready), or
   * `stopped` says so; a sidecar its startupProbe gives up is killed, as the kubelet does. Returns
   * the sidecars never ready, and those without probes that never settled.
   */
  async ready(stopped: () => boolean): Promise<SidecarsReady> {
    const outcomes = await Promise.all(
      this.sidecars.map(async (s, j) => {
        const exec = (command: string[], timeoutMs: number) =>
          this.podman.run(['exec', s.container, ...command], timeoutMs + PODMAN_EXEC_MS).then(
            () => true,
            () => false,
          );
        // A sidecar without probes: its agent in the container says when it settled, through /kiln/run.
        const settled = onHost(this.at.runDir, P.settledFile(this.at.firstIndex + j));
        const outcome = await awaitSidecar(s.probes, exec, () => this.running[j]! && !stopped(), settled);
        if (!outcome.ready && outcome.failed) {
          this.why[j] = outcome.failed;
          await this.podman.run(['kill', s.container]).catch(() => undefined);
        }
        return outcome;
      }),
    );
    return readiness(this.sidecars, outcomes);
  }

  /** The steps' go-ahead, seen in the Pod through the ready file's directory (renamed in whole). */
  static async goAhead(readyFile: string, value: string): Promise<void> {
    await writeFile(`${readyFile}.tmp`, value, { mode: 0o444 });
    await rename(`${readyFile}.tmp`, readyFile);
  }

  /**
   * Once the steps have ended: which sidecars ended on their own before (read first, so a stopped
   * one is not taken for a failed one), then every one stopped, SIGTERM then SIGKILL after `graceS`.
   */
  async stop(graceS: number): Promise<SidecarEnd[]> {
    const json = await this.podman.run(['inspect', ...this.sidecars.map((s) => s.container)]).catch(() => '[]');
    const states = new Map((JSON.parse(json) as InspectedContainer[]).map((c) => [c.Name, c.State] as const));
    const ended: SidecarEnd[] = [];
    for (const [j, s] of this.sidecars.entries()) {
      const state = states.get(s.container);
      if (state?.Status !== 'exited') continue;
      const code = (await sidecarExitCode(this.at.runDir, this.at.firstIndex + j)) ?? state.ExitCode;
      ended.push({ name: s.name, code, why: this.why[j] });
    }
    await this.podman
      .run(['stop', '-t', String(graceS), ...this.sidecars.map((s) => s.container)])
      .catch(() => undefined);
    await Promise.all(this.sidecars.map((_, j) => markUnposted(this.at.runDir, this.at.firstIndex + j)));
    return ended;
  }
}
