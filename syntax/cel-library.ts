// @bufbuild/cel, loaded with the first expression, for the engine's `when` and loops and for the
// triggers' filters alike. Decoding the library's protobuf descriptors was ≈15 ms of every `kiln
// run`'s start, and most pipelines have no CEL. In the CommonJS bundles (scripts/build.mjs) esbuild
// turns this require into the bundled copy's start; run from source (tests), `require` is not
// defined in an ES module and Node's own loads the package.
import { createRequire } from 'node:module';
import type * as Cel from '@bufbuild/cel';

export type CelLibrary = typeof Cel;
export type CelProgram = ReturnType<CelLibrary['plan']>;

let loaded: { lib: CelLibrary; env: ReturnType<CelLibrary['celEnv']> } | undefined;

/** The library and the one environment every expression is planned in. */
export function celLibrary(): NonNullable<typeof loaded> {
  if (!loaded) {
    const lib: CelLibrary =
      typeof require === 'function'
        ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's lazy start (above)
          require('@bufbuild/cel')
        : createRequire(import.meta.url)('@bufbuild/cel');
    loaded = { lib, env: lib.celEnv() };
  }
  return loaded;
}
