// `kiln-agent log-proxy`: ships the pod's log spool to the collector; exits 0 once every step has
// ended and every line is acked, 1 when it gave up: what was not delivered goes to stderr and to
// the state directory's report (proxyReportFile), which the host runtime reads into the run record.
// shipLogs is shared with `kiln-agent host`, which ships every task run of a local run in one process.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { proxyReportFile, type LogProxyReport } from '../../contract/index.js';
import { AgentUsageError } from '../errors.js';
import { onParentDeath } from '../parent-watch.js';
import { runLogProxy, type ProxyConfig, type ProxyIO } from './core.js';
import { createProxyIO, type LiveProxyIO } from './io.js';
import { parseLogProxyArgs, type LogProxyOptions } from './options.js';
import { countSpoolLines } from './spool-parser.js';

export async function logProxyCommand(argv: string[]): Promise<number> {
  const o = parseLogProxyArgs(argv);
  // A local run's proxy ends with kiln run: nothing of a run outlives it (its spool stays on disk).
  if (o.exitWithParent)
    onParentDeath(() => {
      process.stderr.write('kiln-agent log-proxy: the process that started me is gone; stopping\n');
      process.exit(1);
    });
  // In a Pod, SIGTERM comes as the Pod ends: to native sidecars in the reverse of their order, so
  // the proxy gets it just after Tekton's sidecars (declared after it) ended, their last lines
  // maybe not yet shipped. It goes on: it ends by itself once every spool is acked, or at -deadline
  // (the kubelet's SIGKILL after the grace period bounds it in any case).
  else process.on('SIGTERM', () => process.stderr.write('kiln-agent log-proxy: SIGTERM: delivering the rest first\n'));
  return shipLogs(o, { warn: (line) => process.stderr.write(`${line}\n`) });
}

export interface ShipHooks {
  /** One line of the proxy's own (without its newline). */
  warn(line: string): void;
  /** Wraps the real I/O (kiln-agent host wakes the proxy when a step ends, and stops it). */
  io?: (io: LiveProxyIO) => ProxyIO;
  /** How the shipping waits (kiln-agent host's differ from a pod's log proxy). */
  pacing?: Pick<ProxyConfig, 'idleWaitMs' | 'lingerMs'>;
}

/** Ships one task run's spool; resolves to the log proxy's exit code. */
export async function shipLogs(o: LogProxyOptions, hooks: ShipHooks): Promise<number> {
  let token: string | undefined;
  if (o.tokenFile) {
    try {
      token = readFileSync(o.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new AgentUsageError(`-token_file ${o.tokenFile}: ${(err as Error).message}`, '-token_file');
    }
  }
  const real = createProxyIO({ ...o, token });
  const io = hooks.io ? hooks.io(real) : real;
  try {
    const out = await runLogProxy(
      { steps: o.steps, deadlineMs: o.deadlineMs, spoolLimit: o.spoolLimit, ...hooks.pacing },
      io,
    );
    if (out.delivered) return 0;
    const report: LogProxyReport = { steps: [], lastError: out.lastError };
    for (const u of out.undelivered) {
      const spool = io.spoolName(u.stepIndex);
      const lines = await countSpoolLines(spool, u.fromOffset);
      report.steps.push({ step: u.step, stepIndex: u.stepIndex, fromSeq: u.fromSeq, lines, spool });
      hooks.warn(
        `kiln-agent log-proxy: step ${u.stepIndex} (${u.step}): ${lines} lines from seq ${u.fromSeq} ` +
          `(spool ${spool}, byte ${u.fromOffset}) not delivered to ${o.collector}`,
      );
    }
    if (out.lastError) hooks.warn(`kiln-agent log-proxy: last error: ${out.lastError}`);
    await writeFile(proxyReportFile(o.stateDir), JSON.stringify(report)).catch((err: Error) =>
      hooks.warn(`kiln-agent log-proxy: cannot write ${proxyReportFile(o.stateDir)}: ${err.message}`),
    );
    return 1;
  } finally {
    await real.close();
  }
}
