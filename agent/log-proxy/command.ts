// `kiln-agent log-proxy`: ships the pod's log spool to the collector; exits 0 once every step has
// ended and every line is acked, 1 when it gave up (what was not delivered goes to stderr).
import { readFileSync } from 'node:fs';
import { AgentUsageError } from '../errors.js';
import { runLogProxy } from './core.js';
import { createProxyIO } from './io.js';
import { parseLogProxyArgs } from './options.js';

export async function logProxyCommand(argv: string[]): Promise<number> {
  const o = parseLogProxyArgs(argv);
  let token: string | undefined;
  if (o.tokenFile) {
    try {
      token = readFileSync(o.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new AgentUsageError(`-token_file ${o.tokenFile}: ${(err as Error).message}`, '-token_file');
    }
  }
  const io = createProxyIO({ ...o, token });
  try {
    const out = await runLogProxy({ steps: o.steps, deadlineMs: o.deadlineMs }, io);
    if (out.delivered) return 0;
    for (const u of out.undelivered) {
      process.stderr.write(
        `kiln-agent log-proxy: step ${u.stepIndex} (${u.step}): lines from seq ${u.fromSeq} ` +
          `(spool byte ${u.fromOffset}) not delivered to ${o.collector}\n`,
      );
    }
    if (out.lastError) process.stderr.write(`kiln-agent log-proxy: last error: ${out.lastError}\n`);
    return 1;
  } finally {
    await io.close();
  }
}
