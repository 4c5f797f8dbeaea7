// The run marker: KILN_RUN_ID=<pipelineRun>/<taskRun> in the environment of every process a local
// run starts (index.ts finds processes by it).
export const RUN_MARKER_ENV = 'KILN_RUN_ID';

export const runMarker = (pipelineRun: string, taskRun: string) => `${pipelineRun}/${taskRun}`;
