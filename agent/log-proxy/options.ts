// `kiln-agent log-proxy` flags (LOG_PROXY_FLAGS in contract/pod-layout.ts), Go flag syntax like the
// entrypoint's: `-name value` or `-name=value`.
import { AgentUsageError } from '../errors.js';
import { durationFlagValue } from '../duration-flag.js';
import { defaultProxyStateDir, LOG_PROXY_FLAGS } from '../../contract/index.js';

export interface LogProxyOptions {
  runDir: string;
  logDir: string;
  steps: string[];
  collector?: string;
  tokenFile?: string;
  pipelineRun: string;
  taskRun: string;
  stateDir: string;
  deadlineMs?: number;
  /** Unacked bytes a step's spool may hold; undefined: no limit (-spool_limit 0). */
  spoolLimit?: number;
  exitWithParent: boolean;
}

/** The default -spool_limit: room for minutes of a noisy step's output while the collector is away. */
export const DEFAULT_SPOOL_LIMIT = 512 * 1024 * 1024;
const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `65536`, `64K`, `512M`, `2G` (powers of 1024) as bytes; `0`: no limit. */
export function parseSpoolLimit(text: string): number | undefined {
  const m = /^(\d+)([KMG]?)$/.exec(text);
  const bytes = m ? Number(m[1]) * SIZE_UNITS[m[2]] : NaN;
  if (!Number.isSafeInteger(bytes))
    throw new AgentUsageError(
      `${LOG_PROXY_FLAGS.spoolLimit} ${text}: not a size; give bytes, or a number with K, M or G (e.g. 512M), or 0 for no limit`,
      LOG_PROXY_FLAGS.spoolLimit,
    );
  return bytes === 0 ? undefined : bytes;
}

type Key = keyof typeof LOG_PROXY_FLAGS;
const KEY_BY_NAME = new Map<string, Key>(Object.entries(LOG_PROXY_FLAGS).map(([k, f]) => [f.slice(1), k as Key]));

export function parseLogProxyArgs(argv: readonly string[]): LogProxyOptions {
  const raw = new Map<Key, string>();
  for (let i = 0; i < argv.length; i++) {
    const body = argv[i].replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const key = argv[i].startsWith('-') ? KEY_BY_NAME.get(name) : undefined;
    if (!key)
      throw new AgentUsageError(`unknown flag or argument ${argv[i]} (see kiln-agent log-proxy --help)`, argv[i]);
    if (key === 'exitWithParent') {
      raw.set(key, eq === -1 ? 'true' : body.slice(eq + 1));
      continue;
    }
    const value = eq === -1 ? argv[++i] : body.slice(eq + 1);
    if (value === undefined) throw new AgentUsageError(`-${name} needs a value`, `-${name}`);
    raw.set(key, value);
  }
  const need = (k: Key) => {
    const v = raw.get(k);
    if (!v) throw new AgentUsageError(`${LOG_PROXY_FLAGS[k]} is required`, LOG_PROXY_FLAGS[k]);
    return v;
  };
  const logDir = need('logDir');
  const steps = need('steps').split(',');
  if (steps.some((s) => !s))
    throw new AgentUsageError(
      `${LOG_PROXY_FLAGS.steps} ${raw.get('steps')}: an empty step name`,
      LOG_PROXY_FLAGS.steps,
    );
  let deadlineMs: number | undefined;
  if (raw.has('deadline')) {
    deadlineMs = durationFlagValue(LOG_PROXY_FLAGS.deadline, raw.get('deadline')!);
  }
  const collector = raw.get('collector') || undefined;
  if (collector && !/^https?:\/\//.test(collector)) {
    throw new AgentUsageError(
      `${LOG_PROXY_FLAGS.collector} ${collector}: not an http(s) URL`,
      LOG_PROXY_FLAGS.collector,
    );
  }
  return {
    runDir: need('runDir'),
    logDir,
    steps,
    collector,
    tokenFile: raw.get('tokenFile'),
    pipelineRun: collector ? need('pipelineRun') : (raw.get('pipelineRun') ?? ''),
    taskRun: collector ? need('taskRun') : (raw.get('taskRun') ?? ''),
    stateDir: raw.get('stateDir') ?? defaultProxyStateDir(logDir),
    deadlineMs,
    spoolLimit: raw.has('spoolLimit') ? parseSpoolLimit(raw.get('spoolLimit')!) : DEFAULT_SPOOL_LIMIT,
    exitWithParent: raw.has('exitWithParent') && raw.get('exitWithParent') !== 'false',
  };
}
