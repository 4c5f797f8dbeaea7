// How a printed hint names kiln: `npx kiln` in a source checkout (where the README runs it and no
// `kiln` is on the PATH), `kiln` when installed from the package (npm i -g) or run as the images'
// single executable. A checkout is told by its sources: the package ships only dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `npx kiln` when the kiln running is a source checkout, else `kiln`. */
export function kilnCommand(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return existsSync(join(dir, 'cli', 'entry.ts')) ? 'npx kiln' : 'kiln';
    // The single executable has no package.json above it (/opt/kiln/bin/kiln).
    if (dirname(dir) === dir) return 'kiln';
  }
}
