// The podman player: a Pod bound to the test node runs with `podman kube play` in the machine's
// podman storage (any `buildah bud -t localhost/NAME` image is usable). podman 4.3 lacks some of
// what a kubelet gives, so around runtimes/podman's playablePod the player does what a kubelet
// would: images are looked up before the play (ErrImagePull, ImagePullBackOff, InvalidImageName —
// this node pulls nothing), Secrets and the Downward API are files it keeps up to date (the ready
// annotation lands when the controller sets it, and once every sidecar's startupProbe has passed:
// startup-probes.ts), native sidecars run as ordinary containers that get SIGTERM once every step
// has ended, and each container's termination file is read back.
import { readFile, rm } from 'node:fs/promises';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { TERMINATION_PATH } from '../../contract/index.js';
import { ANNOTATIONS } from '../../runtimes/kubernetes/index.js';
import { type Podman, playablePod, podDirs, writePlayablePod } from '../../runtimes/podman/index.js';
import { isSidecar, validImageName, type ContainerFact } from './kubelet-rules.js';
import { pause, type PlayedPod, type Player, type PodContext } from './player.js';
import { sidecarStarted } from './startup-probes.js';

interface Inspected {
  Name: string;
  State: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string };
}

const ZERO = /^0001-01-01/;
const iso = (t: string) => new Date(t).toISOString();

export function podmanPlayer(podman: Podman, stateDir: string, nodeLabel: string): Player {
  return {
    play(pod, ctx) {
      return new PodmanPod(podman, stateDir, nodeLabel, pod, ctx);
    },
  };
}

class PodmanPod implements PlayedPod {
  private readonly abort = new AbortController();
  private readonly facts = new Map<string, ContainerFact>();
  private readonly name: string;
  private readonly root: string;
  private files: { path: string; key?: string }[] = [];
  private played = false;
  private started = false;
  private startTime?: string;
  private done: Promise<void>;
  /** Sidecars whose startupProbe has not passed yet: the steps' go-ahead is held back meanwhile. */
  private readonly starting = new Set<string>();
  /** Sidecars a kubelet would be restarting with a back-off: name → the waiting message. */
  private readonly crashLooping = new Map<string, string>();
  /** How often each native sidecar was restarted after it ended while the steps ran. */
  private readonly restarts = new Map<string, number>();
  /** What each projected file holds now. */
  private readonly projected = new Map<string, string>();

  constructor(
    private readonly podman: Podman,
    private readonly stateDir: string,
    private readonly nodeLabel: string,
    private pod: V1Pod,
    private readonly ctx: PodContext,
  ) {
    const { namespace, name, uid } = pod.metadata as { namespace: string; name: string; uid: string };
    // The podman pod is named after the Pod's UID too, not only its name: podman's storage is the
    // machine's, shared by every environment (and by one killed before it cleaned up). A name of
    // another environment's Pod made the play fail and its old containers be read as this Pod's:
    // a step "Succeeded" without the termination message its results travel in.
    this.name = `k8s.${namespace}.${name}.${uid.slice(0, 8)}`;
    this.root = join(stateDir, 'pods', namespace, name);
    for (const c of (pod.spec!.initContainers ?? []).filter(isSidecar)) if (c.startupProbe) this.starting.add(c.name);
    this.done = this.run().catch((err: Error) => ctx.warn(`${this.name}: ${err.message}`));
  }

  updated(pod: V1Pod): void {
    this.pod = pod;
    this.writeProjections();
  }

  async kill(graceSeconds: number): Promise<void> {
    this.abort.abort();
    if (this.played)
      await this.podman.run(['pod', 'stop', '-t', String(graceSeconds), this.name]).catch(() => undefined);
    await this.done;
    if (this.played) await this.inspect().catch(() => undefined);
    this.report();
  }

  async remove(): Promise<void> {
    await this.podman.run(['pod', 'rm', '-f', '-t', '0', '--ignore', this.name]).catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }

  private report(): void {
    this.ctx.report({ containers: new Map(this.facts), restarts: new Map(this.restarts), startTime: this.startTime });
  }

  private get spec() {
    return this.pod.spec!;
  }

  private async run(): Promise<void> {
    if (!(await this.imagesPresent())) return;
    const token = await this.secretsPresent();
    if (token === false) return;
    const pvcs: Record<string, string> = {};
    for (const v of this.spec.volumes ?? [])
      if (v.persistentVolumeClaim)
        pvcs[v.name] = join(this.stateDir, 'claims', this.pod.metadata!.namespace!, v.persistentVolumeClaim.claimName);
    const playable = playablePod(this.pod, this.root, pvcs, token);
    this.files = playable.files;
    writePlayablePod(playable);
    // A kubelet makes emptyDirs (and here, claims) writable by any user: steps need not run as root.
    for (const v of this.spec.volumes ?? []) if (v.emptyDir) chmodSync(podDirs(this.root).volume(v.name), 0o777);
    for (const dir of Object.values(pvcs)) chmodSync(dir, 0o777);
    // Projected files belong to the Pod's fsGroup, as a kubelet sets them (a 0440 token is then readable).
    const fsGroup = this.spec.securityContext?.fsGroup;
    if (fsGroup !== undefined) for (const f of playable.files) chownSync(f.path, 0, fsGroup);
    this.writeProjections();
    const manifest = playable.manifest;
    manifest.metadata = { name: this.name, labels: { 'kiln.dev/test-node': this.nodeLabel } };
    // The Pod's name, as a kubelet sets it (podman would take the longer podman pod name, and
    // refuse it past 63 characters).
    manifest.spec!.hostname = this.pod.metadata!.name!.slice(0, 63);
    writeFileSync(podDirs(this.root).manifest, stringify(manifest));
    this.startTime = new Date().toISOString();
    try {
      this.played = true;
      await this.podman.run(['kube', 'play', '--network', 'host', podDirs(this.root).manifest]);
      this.started = true;
    } catch (err) {
      for (const c of [...(this.spec.initContainers ?? []), ...this.spec.containers])
        if (!this.facts.has(c.name))
          this.facts.set(c.name, { state: 'waiting', reason: 'RunContainerError', message: (err as Error).message });
      await this.inspect().catch(() => undefined);
      return this.report();
    }
    await this.inspect();
    this.report();
    void this.startSidecars();
    for (const c of this.spec.containers) {
      await this.podman.run(['wait', `${this.name}-${c.name}`], 0).catch(() => undefined);
      if (this.abort.signal.aborted) return;
      await this.inspect();
      this.report();
    }
    // The kubelet ends native sidecars once every regular container has ended, in the reverse of
    // their order, each once the later ones are gone: SIGTERM, then SIGKILL after the Pod's grace
    // period. (The log proxy, declared before Tekton's sidecars, ships their last lines.)
    const grace = String(this.spec.terminationGracePeriodSeconds ?? 30);
    for (const c of (this.spec.initContainers ?? []).filter(isSidecar).reverse())
      await this.podman.run(['stop', '-t', grace, `${this.name}-${c.name}`]).catch(() => undefined);
    await this.inspect();
    this.report();
  }

  /** Every image in local storage, else the kubelet's waiting reasons, re-checked as it would back off. */
  private async imagesPresent(): Promise<boolean> {
    const all = [...(this.spec.initContainers ?? []), ...this.spec.containers];
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      let missing = 0;
      for (const c of all) {
        if (!validImageName(c.image)) {
          this.facts.set(c.name, {
            state: 'waiting',
            reason: 'InvalidImageName',
            message: `Failed to apply default image tag "${c.image}": couldn't parse image name`,
          });
          missing++;
          continue;
        }
        const there = await this.podman.run(['image', 'exists', c.image!]).then(
          () => true,
          () => false,
        );
        if (there) continue;
        missing++;
        this.facts.set(c.name, {
          state: 'waiting',
          reason: attempt === 0 ? 'ErrImagePull' : 'ImagePullBackOff',
          message: `image "${c.image}" is not in this node's storage (the test node pulls nothing: buildah bud -t ${c.image})`,
        });
      }
      if (missing === 0) {
        this.facts.clear();
        return true;
      }
      this.report();
      await pause(Math.min(10_000, 1000 * 2 ** attempt), this.abort.signal);
    }
    return false;
  }

  /** The token of the Pod's Secret volume (the only Secret Kiln mounts); false while one is missing. */
  private async secretsPresent(): Promise<string | undefined | false> {
    let token: string | undefined;
    for (const v of this.spec.volumes ?? []) {
      if (!v.secret?.secretName) continue;
      for (;;) {
        if (this.abort.signal.aborted) return false;
        const data = await this.ctx.secret(v.secret.secretName);
        if (data) {
          token = data.token;
          break;
        }
        for (const c of this.spec.containers)
          this.facts.set(c.name, {
            state: 'waiting',
            reason: 'ContainerCreating',
            message: `secret "${v.secret.secretName}" not found`,
          });
        this.report();
        await pause(1000, this.abort.signal);
      }
    }
    this.facts.clear();
    return token;
  }

  /** The Downward API files hold the annotations' current values (empty when unset, as a kubelet projects them). */
  private writeProjections(): void {
    const held = (key: string) => key === ANNOTATIONS.ready && this.starting.size > 0;
    for (const f of this.files) {
      if (!f.key) continue;
      const text = held(f.key) ? '' : (this.pod.metadata?.annotations?.[f.key] ?? '');
      // Only what changed: a script rewritten by every Pod update could be truncated as its step execs it.
      if (this.projected.get(f.path) === text) continue;
      writeFileSync(f.path, text);
      this.projected.set(f.path, text);
    }
  }

  /** Each sidecar's startupProbe, in order as a kubelet starts them; the go-ahead once all have passed. */
  private async startSidecars(): Promise<void> {
    for (const c of (this.spec.initContainers ?? []).filter((c) => this.starting.has(c.name))) {
      const start = await sidecarStarted(this.podman, `${this.name}-${c.name}`, c, this.abort.signal);
      if (this.abort.signal.aborted) return;
      if (!start.ok) this.crashLooping.set(c.name, start.message);
      else this.starting.delete(c.name);
      await this.inspect();
      this.report();
      if (!start.ok) return;
    }
    this.writeProjections();
    void this.restartSidecars();
  }

  /**
   * Once the Pod is initialized, a native sidecar that ends while a step still runs is started again
   * after a back-off (restartPolicy: Always), as a kubelet does: 1 s doubling to 10 s here (a
   * kubelet's starts at 10 s). One that ends after the steps (the log proxy, done) is left ended.
   */
  private async restartSidecars(): Promise<void> {
    const stepsRun = () => this.spec.containers.some((c) => this.facts.get(c.name)?.state !== 'terminated');
    await Promise.all(
      (this.spec.initContainers ?? []).filter(isSidecar).map(async (c) => {
        const container = `${this.name}-${c.name}`;
        for (let n = 0; ; n++) {
          await this.podman.run(['wait', container], 0).catch(() => undefined);
          if (this.abort.signal.aborted) return;
          await this.inspect();
          if (!stepsRun()) return;
          this.report();
          await pause(Math.min(10_000, 1000 * 2 ** n), this.abort.signal);
          if (this.abort.signal.aborted || !stepsRun()) return;
          await this.podman.run(['start', container]).catch(() => undefined);
          this.restarts.set(c.name, n + 1);
          await this.inspect();
          this.report();
        }
      }),
    );
  }

  /** Each container's state; podman removes init containers once they succeed, so a missing one after the play did. */
  private async inspect(): Promise<void> {
    const all = [...(this.spec.initContainers ?? []), ...this.spec.containers];
    const found = await Promise.all(
      all.map((c) =>
        this.podman.run(['container', 'inspect', `${this.name}-${c.name}`]).then(
          (out) => (JSON.parse(out) as Inspected[])[0],
          () => undefined,
        ),
      ),
    );
    for (const [i, c] of found.entries()) {
      const name = all[i]!.name;
      if (!c) {
        if (i < (this.spec.initContainers?.length ?? 0) && !isSidecar(all[i]!) && this.started) {
          const at = this.startTime!;
          this.facts.set(name, { state: 'terminated', exitCode: 0, startedAt: at, finishedAt: at });
        }
        continue;
      }
      const s = c.State;
      if (ZERO.test(s.StartedAt)) continue;
      const backOff = this.crashLooping.get(name);
      if (backOff !== undefined) {
        this.facts.set(name, { state: 'waiting', reason: 'CrashLoopBackOff', message: backOff });
        continue;
      }
      if (s.Status === 'running') {
        const started = !this.starting.has(name);
        this.facts.set(name, { state: 'running', startedAt: iso(s.StartedAt), ...(!started && { started }) });
        continue;
      }
      const file = join(podDirs(this.root).termination(name), basename(TERMINATION_PATH));
      const message = await readFile(file, 'utf8').catch(() => undefined);
      this.facts.set(name, {
        state: 'terminated',
        exitCode: s.ExitCode,
        startedAt: iso(s.StartedAt),
        finishedAt: ZERO.test(s.FinishedAt) ? new Date().toISOString() : iso(s.FinishedAt),
        message,
      });
    }
  }
}
