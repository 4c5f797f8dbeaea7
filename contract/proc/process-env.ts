// The environment every process of a local run starts with: the host's, less Kiln's own secrets
// and reader tokens (a step must never see what could write or read the history), plus the run
// marker the last-resort sweep finds processes by (contract/proc).
import { RUN_MARKER_ENV, runMarker } from './marker.js';

/**
 * Kiln's credentials: KILN_COLLECTOR_SECRET, KILN_TOKEN, KILN_READER_TOKEN, KILN_DATABASE_URL (it
 * may hold a password), any KILN_…SECRET, …TOKEN or …PASSWORD.
 */
export const isKilnCredential = (name: string) =>
  /^KILN_(?:.*_)?(?:SECRET|TOKEN|PASSWORD|DATABASE_URL)(?:_|$)/i.test(name);

/** A task run's processes carry its marker; the run's `kiln-agent host` the pipeline run's alone. */
export function runProcessEnv(
  base: NodeJS.ProcessEnv,
  pipelineRun: string,
  taskRun?: string,
): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(base).filter(([name]) => !isKilnCredential(name)));
  return { ...env, [RUN_MARKER_ENV]: taskRun === undefined ? pipelineRun : runMarker(pipelineRun, taskRun) };
}

/** Whether a collector URL is reached over TLS (its runners then need the extra CA certificates). */
export const isTls = (url: string | undefined) => /^https:/i.test(url ?? '');

/**
 * A `kiln-agent host` runner's own environment: its pipeline run's, less NODE_EXTRA_CA_CERTS unless
 * its collector is reached over TLS. Node 20 reads the named bundle at every start (≈ 100 ms of CPU
 * where the system's bundle is named, as on the development machine), and a runner talks TLS to
 * nothing but an https collector: a local run's cache is a directory, and the steps are given their
 * environment, which keeps the variable, by the runtime's messages.
 */
export function runnerProcessEnv(
  base: NodeJS.ProcessEnv,
  pipelineRun: string,
  collectorTls: boolean,
): Record<string, string | undefined> {
  const env = runProcessEnv(base, pipelineRun);
  if (!collectorTls) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}
