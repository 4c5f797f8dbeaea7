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
  exitWithParent: boolean;
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
    exitWithParent: raw.has('exitWithParent') && raw.get('exitWithParent') !== 'false',
  };
}
