// fastify's default schema compilers (ajv and fast-json-stringify), loaded when a route first
// declares a schema rather than as fastify starts: none of the collector's routes does (bodies are
// checked by validate-run.ts and the protobuf decoders), and fastify's own require of both was 60 of
// its 105 ms loaded from node_modules; from kiln run's code cache, Fastify() took 10–11 ms with them
// and 4–5 without, on the CLI's thread while the first task ran (the embedded collector's start).
// fastify takes a factory given here as a custom compiler: it then passes a route's schemas to it
// as written (its default ajv's own header-schema rewrite only matters to a route that has one).
// In the CommonJS bundle esbuild turns each require into the bundled copy's start; run from
// source (tests), `require` is not defined in an ES module and Node's own loads the package.
import { createRequire } from 'node:module';
import type { ValidatorFactory } from '@fastify/ajv-compiler';
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler';

type ValidatorSelector = () => ValidatorFactory;
type SerializerSelector = () => SerializerFactory;

function validatorSelector(): ValidatorSelector {
  return typeof require === 'function'
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's lazy start (above)
      require('@fastify/ajv-compiler')
    : createRequire(import.meta.url)('@fastify/ajv-compiler');
}

function serializerSelector(): SerializerSelector {
  return typeof require === 'function'
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle's lazy start (above)
      require('@fastify/fast-json-stringify-compiler')
    : createRequire(import.meta.url)('@fastify/fast-json-stringify-compiler');
}

/** fastify's `schemaController.compilersFactory`: its defaults, each loaded on its first use. */
export function lazySchemaCompilers(): { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } {
  let validator: ValidatorFactory | undefined;
  let serializer: SerializerFactory | undefined;
  return {
    buildValidator: (...args) => (validator ??= validatorSelector()())(...args),
    buildSerializer: (...args) => (serializer ??= serializerSelector()())(...args),
  };
}
