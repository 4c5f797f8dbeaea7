// Step output for the console: one `podman logs --follow --names` over the Pod's containers, each
// line prefixed by podman's container name (`<pod>-<container>`), stdout and stderr kept apart.
import type { V1Pod } from '@kubernetes/client-node';
import type { Podman } from './podman.js';

/** `container` is '' for podman's own lines. */
export type PodLine = (container: string, stream: 'stdout' | 'stderr', line: string) => void;

/** Starts following; returns the stop (the follower ends by itself once every container has exited). */
export function followLogs(podman: Podman, pod: string, manifest: V1Pod, onLine: PodLine): () => void {
  const names = manifest.spec!.containers.map((c) => `${pod}-${c.name}`);
  const child = podman.spawn(['logs', '--follow', '--names', ...names]);
  for (const stream of ['stdout', 'stderr'] as const) {
    let rest = '';
    const emit = (text: string) => {
      const space = text.indexOf(' ');
      const name = space < 0 ? text : text.slice(0, space);
      // podman's own words (a warning, an error) are no container's: said as such, not dropped.
      if (!name.startsWith(`${pod}-`)) return onLine('', stream, text);
      onLine(name.slice(pod.length + 1), stream, space < 0 ? '' : text.slice(space + 1));
    };
    child[stream]!.setEncoding('utf8');
    child[stream]!.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      lines.forEach(emit);
    });
    child[stream]!.on('end', () => rest && emit(rest));
  }
  child.on('error', () => undefined);
  return () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
}
