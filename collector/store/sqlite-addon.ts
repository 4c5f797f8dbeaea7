// Where better-sqlite3's compiled addon is, for its `nativeBinding` option. The CLI bundle
// (scripts/build.mjs) carries better-sqlite3's JavaScript, compiled from kiln's code cache like the
// rest, and leaves only the addon on disk: required from node_modules, its dozen files were
// resolved and compiled from source on every store open (`kiln runs` took 112–117 ms with them,
// 103–104 without, medians of 15), and its `bindings` lookup, which searches paths relative to the caller's
// file, cannot find the addon from the bundle. The package installs the addon in build/Release
// (prebuilt or compiled); any other place is left to that lookup (as in the images' tree,
// images/build-cli-tree.mjs, which loads the package from disk).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let addon: string | null | undefined;

/** The addon's path, or undefined when it is not where the package installs it. */
export function sqliteNativeBinding(): string | undefined {
  if (addon === undefined) {
    try {
      const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
      const path = join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node');
      addon = existsSync(path) ? path : null;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}
