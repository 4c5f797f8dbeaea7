// The controller's use of syntax/: a Pipeline resource's spec (Kiln syntax, already parsed
// from JSON by the API server) goes back through the one parser and validator.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { parseDuration } from '../contract/index.js';
import { parsePipelineText, resolveRunParams } from '../syntax/index.js';
import { calledText, resolveCalled } from './called-pipelines.js';
import type { RunInputDeps } from './run-input.js';

export const specDeps: Omit<RunInputDeps, 'pipelineByName'> = {
  // A `pipeline:` task reads a fetched Pipeline resource; `uses:` templates still come from the catalog.
  parsePipeline: (doc, where, called) =>
    parsePipelineText(stringify(doc), where, {
      resolvePipeline: resolveCalled(called),
      readFile: (path) => calledText(called, path, stringify) ?? readFileSync(path, 'utf8'),
    }).pipeline,
  resolveParams: resolveRunParams,
  parseDuration,
};
