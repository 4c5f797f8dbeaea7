// The status-only player (for the scale bench): no container runs. Like the agent, the steps wait
// for the controller's ready annotation; then each step "runs" for stepMs and ends with exit 0 and
// a termination message in the agent's format holding every declared result (value "ok").
import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, READY_VALUE } from '../../runtimes/kubernetes/index.js';
import { ENTRYPOINT_FLAGS, serializeTermination, terminationEntries } from '../../contract/index.js';
import { isSidecar, validImageName, type ContainerFact } from './kubelet-rules.js';
import { nowIso, pause, type PlayedPod, type Player, type PodContext } from './player.js';

export function statusPlayer(stepMs = 20): Player {
  return {
    play(pod: V1Pod, ctx: PodContext): PlayedPod {
      const abort = new AbortController();
      let ready = pod.metadata?.annotations?.[ANNOTATIONS.ready] === READY_VALUE;
      let wake = () => {};
      const facts = new Map<string, ContainerFact>();
      const startTime = nowIso();
      const report = () => ctx.report({ containers: new Map(facts), startTime });
      const run = async () => {
        const all = [...(pod.spec?.initContainers ?? []), ...pod.spec!.containers];
        const bad = all.find((c) => !validImageName(c.image));
        if (bad) {
          facts.set(bad.name, {
            state: 'waiting',
            reason: 'InvalidImageName',
            message: `invalid image "${bad.image}"`,
          });
          return report();
        }
        for (const c of pod.spec?.initContainers ?? [])
          facts.set(
            c.name,
            isSidecar(c)
              ? { state: 'running', startedAt: nowIso() }
              : { state: 'terminated', exitCode: 0, startedAt: nowIso(), finishedAt: nowIso() },
          );
        for (const c of pod.spec!.containers) facts.set(c.name, { state: 'running', startedAt: startTime });
        report();
        while (!ready && !abort.signal.aborted) await new Promise<void>((r) => (wake = r));
        for (const c of pod.spec!.containers) {
          if (abort.signal.aborted) return;
          const startedAt = nowIso();
          await pause(stepMs, abort.signal);
          const argv = c.command ?? [];
          const flag = argv.indexOf(ENTRYPOINT_FLAGS.results);
          const results = flag < 0 ? [] : argv[flag + 1]!.split(',').map((name) => ({ name, value: 'ok' }));
          const message = serializeTermination(
            terminationEntries({ exitCode: 0, startedAt: new Date(startedAt), results }),
          );
          facts.set(c.name, { state: 'terminated', exitCode: 0, startedAt, finishedAt: nowIso(), message });
          report();
        }
        for (const c of (pod.spec?.initContainers ?? []).filter(isSidecar))
          facts.set(c.name, { state: 'terminated', exitCode: 0, startedAt: startTime, finishedAt: nowIso() });
        report();
      };
      void run();
      return {
        updated(p) {
          ready = p.metadata?.annotations?.[ANNOTATIONS.ready] === READY_VALUE;
          if (ready) wake();
        },
        async kill() {
          abort.abort();
          wake();
          const at = nowIso();
          for (const [name, f] of facts)
            if (f.state !== 'terminated')
              facts.set(name, { state: 'terminated', exitCode: 137, startedAt: at, finishedAt: at });
          report();
        },
        async remove() {},
      };
    },
  };
}
