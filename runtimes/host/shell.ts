// Which program runs a step's `#!/bin/sh` script on this machine. In Tekton the script runs in the
// step's image, whose /bin/sh is busybox ash in busybox, alpine and bash images, dash in Debian's
// and Ubuntu's. Scripts that pass under one fail under another (`echo -e`, `[[ ]]`, arrays), so
// the host engine picks the same kind of shell: busybox ash for those images when busybox is
// installed, else this machine's /bin/sh. KILN_SH overrides the choice (ash, bash, dash, or a path).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Images whose /bin/sh is busybox ash. */
const ASH_IMAGE = /^(?:[\w.-]+(?::\d+)?\/)*(?:busybox|alpine|bash)(?:[:@]|$)|[:-]alpine|-musl(?:[:@]|$)/;

/** The interpreter line that runs a `/bin/sh` script: ['/usr/bin/busybox', 'sh'], ['/bin/bash']. */
export type Shell = string[];

export const HOST_SH: Shell = ['/bin/sh'];

/** `name` on PATH, or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A KILN_SH value as an interpreter line (what `ash` means needs busybox). */
export function namedShell(name: string, find: (n: string) => string | undefined = onPath): Shell | undefined {
  if (name.startsWith('/')) return [name];
  if (name === 'ash') {
    const busybox = find('busybox');
    return busybox ? [busybox, 'sh'] : undefined;
  }
  const found = find(name);
  return found ? [found] : undefined;
}

/** The shell for a step of `image`: KILN_SH if set, busybox ash for ash images, else /bin/sh. */
export function shellFor(
  image: string | undefined,
  override: string | undefined,
  find: (n: string) => string | undefined = onPath,
): Shell {
  if (override) return namedShell(override, find) ?? HOST_SH;
  if (image && ASH_IMAGE.test(image)) return namedShell('ash', find) ?? HOST_SH;
  return HOST_SH;
}

/** `#!` lines that name the image's own /bin/sh. */
const STEP_SHELL = /^(?:\/bin\/(?:a?sh)|\/usr\/bin\/env\s+a?sh)$/;

/**
 * What `kiln run` writes as a step's script. As Tekton does, a script without `#!` runs under
 * `/bin/sh` with `set -e`; `/bin/sh`, `/bin/ash` and `/usr/bin/env sh` (or `ash`) in a `#!` line
 * are the step's shell (in the image they are its /bin/sh); any other `#!` line is kept as written.
 */
export function scriptText(script: string, shell: Shell = HOST_SH): string {
  const line = `#!${shell.join(' ')}`;
  if (!script.startsWith('#!')) return `${line}\nset -e\n${script}`;
  const first = script.indexOf('\n');
  const interpreter = (first < 0 ? script : script.slice(0, first)).slice(2).trim();
  if (!STEP_SHELL.test(interpreter)) return script;
  return first < 0 ? line : `${line}${script.slice(first)}`;
}
