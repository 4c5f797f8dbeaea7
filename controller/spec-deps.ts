// The controller's use of syntax/: a Pipeline resource's spec (Kiln syntax, already parsed
// from JSON by the API server) goes back through the one parser and validator.
import { stringify } from 'yaml';
import { parseDuration } from '../contract/index.js';
import { parsePipelineText, resolveRunParams } from '../syntax/index.js';
import type { RunInputDeps } from './run-input.js';

export const specDeps: Omit<RunInputDeps, 'pipelineByName'> = {
  parsePipeline: (doc, where) => parsePipelineText(stringify(doc), where).pipeline,
  resolveParams: resolveRunParams,
  parseDuration,
};
