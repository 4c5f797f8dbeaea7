// `kiln-agent entrypoint` flags → EntrypointOptions. Go's flag syntax, as Tekton's entrypoint
// uses it: `-name value`, `-name=value`, `--name` alike; booleans take no value or `=true|false`;
// parsing stops at `--` or at the first argument that is not a flag.
import { AgentUsageError } from '../errors.js';
import { durationFlagValue } from '../duration-flag.js';
import { parseCacheFlags, type StepCacheFlags } from '../cache/flags.js';
import {
  ENTRYPOINT_FLAGS,
  STEP_ON_ERROR,
  TERMINATION_MESSAGE_LIMIT,
  TERMINATION_PATH,
  kilnPaths,
  type StepOnError,
  type StepWhen,
} from '../../contract/index.js';

export interface EntrypointOptions {
  waitFiles: string[];
  waitFileContent: boolean;
  /** Watch the parent: when it dies, act as on SIGTERM (local runs: no step outlives `kiln run`). */
  exitWithParent: boolean;
  postFile?: string;
  terminationPath: string;
  results: string[];
  /** Absent: no limit. */
  timeoutMs?: number;
  timeoutGraceMs: number;
  onError: StepOnError;
  stepMetadataDir?: string;
  /** The command and its arguments: -entrypoint (if given) followed by the arguments after `--`. */
  command: string[];
  resultsDir: string;
  logDir: string;
  stepName: string;
  stepIndex: number;
  /** Set when the step has a dependency cache (agent/cache). */
  cache?: StepCacheFlags;
  /** Where results too large for the termination message go (the collector); absent: they fail the step. */
  resultsStore?: { url: string; tokenFile: string };
  /** Bytes the termination message may hold (the Pod's share of the kubelet's 12 KiB). */
  terminationLimit: number;
  /** Files the command's stdout / stderr are also written to (parents made). */
  stdoutPath?: string;
  stderrPath?: string;
  /** Step results: every step's under `stepsDir/<step>/results/`; this step's R also task result T. */
  stepResults?: { stepsDir: string; asTaskResults: Record<string, string> };
  /** Tekton's step `when`: the command runs only when every expression holds (step results replaced first). */
  when?: StepWhen[];
  /** A sidecar without probes: where to say once its command has settled (settle-watch.ts). */
  settledFile?: string;
}

export const DEFAULT_TIMEOUT_GRACE_MS = 5000;
const MAX_ARG_LENGTH = 64 * 1024;
const RESULT_NAME = /^[A-Za-z0-9_.-]{1,253}$/;

type Key = keyof typeof ENTRYPOINT_FLAGS;
const BOOLEAN_FLAGS: ReadonlySet<Key> = new Set(['waitFileContent', 'exitWithParent']);
const FLAG_BY_NAME = new Map<string, Key>(
  Object.entries(ENTRYPOINT_FLAGS).map(([key, flag]) => [flag.slice(1), key as Key]),
);

export function parseEntrypointArgs(argv: readonly string[]): EntrypointOptions {
  const raw = new Map<Key, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const key = FLAG_BY_NAME.get(name);
    if (!key) throw new AgentUsageError(`unknown flag -${name} (see kiln-agent entrypoint --help)`, `-${name}`);
    let value: string;
    if (eq !== -1) value = body.slice(eq + 1);
    else if (BOOLEAN_FLAGS.has(key)) value = 'true';
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new AgentUsageError(`flag -${name} needs a value`, `-${name}`);
    if (value.length > MAX_ARG_LENGTH)
      throw new AgentUsageError(`flag -${name} is longer than ${MAX_ARG_LENGTH} bytes`, `-${name}`);
    raw.set(key, value);
  }
  return toOptions(raw, argv.slice(i));
}

function toOptions(raw: Map<Key, string>, rest: string[]): EntrypointOptions {
  const defaults = kilnPaths();
  const entrypoint = raw.get('entrypoint');
  const command = entrypoint ? [entrypoint, ...rest] : rest;
  if (command.length === 0 || command[0] === '') {
    throw new AgentUsageError('no command to run: give -entrypoint CMD or `-- CMD ARGS…`', '-entrypoint');
  }
  return {
    waitFiles: list(raw.get('waitFile')),
    waitFileContent: bool(raw, 'waitFileContent'),
    exitWithParent: bool(raw, 'exitWithParent'),
    postFile: raw.get('postFile') || undefined,
    terminationPath: raw.get('terminationPath') || TERMINATION_PATH,
    results: resultNames(raw.get('results')),
    timeoutMs: duration(raw, 'timeout'),
    timeoutGraceMs: duration(raw, 'timeoutGrace') ?? DEFAULT_TIMEOUT_GRACE_MS,
    onError: onError(raw.get('onError')),
    stepMetadataDir: raw.get('stepMetadataDir') || undefined,
    command,
    resultsDir: raw.get('resultsDir') || defaults.resultsDir,
    logDir: raw.get('logDir') || defaults.logDir,
    stepName: raw.get('stepName') ?? '',
    stepIndex: stepIndex(raw.get('stepIndex')),
    cache: parseCacheFlags((flag) => raw.get(flag)),
    resultsStore: resultsStore(raw),
    terminationLimit: terminationLimit(raw.get('terminationLimit')),
    stdoutPath: raw.get('stdoutPath') || undefined,
    stderrPath: raw.get('stderrPath') || undefined,
    stepResults: stepResults(raw),
    when: stepWhen(raw.get('stepWhen')),
    settledFile: raw.get('settledFile') || undefined,
  };
}

function stepResults(raw: Map<Key, string>): EntrypointOptions['stepResults'] {
  const stepsDir = raw.get('stepsDir');
  const as = list(raw.get('stepResultsAs'));
  if (!stepsDir) {
    if (as.length)
      throw new AgentUsageError(
        `flag ${ENTRYPOINT_FLAGS.stepsDir} is needed with ${ENTRYPOINT_FLAGS.stepResultsAs}`,
        ENTRYPOINT_FLAGS.stepsDir,
      );
    return undefined;
  }
  const asTaskResults: Record<string, string> = {};
  for (const pair of as) {
    const [from, to] = pair.split('=');
    resultNames(`${from ?? ''},${to ?? ''}`);
    if (!from || !to)
      throw new AgentUsageError(
        `flag ${ENTRYPOINT_FLAGS.stepResultsAs}: "${pair}" is not STEP_RESULT=TASK_RESULT`,
        ENTRYPOINT_FLAGS.stepResultsAs,
      );
    asTaskResults[from] = to;
  }
  return { stepsDir, asTaskResults };
}

function stepWhen(value: string | undefined): StepWhen[] | undefined {
  if (value === undefined || value === '') return undefined;
  const bad = () =>
    new AgentUsageError(
      `flag ${ENTRYPOINT_FLAGS.stepWhen}: not a JSON list of {input, operator: in|notin, values: [strings]}`,
      ENTRYPOINT_FLAGS.stepWhen,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw bad();
  }
  const isWhen = (w: unknown): w is StepWhen => {
    const o = w as Partial<StepWhen> | null;
    return (
      typeof o?.input === 'string' &&
      (o.operator === 'in' || o.operator === 'notin') &&
      Array.isArray(o.values) &&
      o.values.every((v) => typeof v === 'string') &&
      (o.cel === undefined || typeof o.cel === 'string')
    );
  };
  if (!Array.isArray(parsed) || !parsed.every(isWhen)) throw bad();
  return parsed;
}

function resultsStore(raw: Map<Key, string>): EntrypointOptions['resultsStore'] {
  const url = raw.get('resultsUrl');
  const tokenFile = raw.get('resultsTokenFile');
  if (!url && !tokenFile) return undefined;
  if (!url || !tokenFile) {
    const missing = url ? ENTRYPOINT_FLAGS.resultsTokenFile : ENTRYPOINT_FLAGS.resultsUrl;
    throw new AgentUsageError(
      `flag ${missing} is needed with ${url ? ENTRYPOINT_FLAGS.resultsUrl : ENTRYPOINT_FLAGS.resultsTokenFile}`,
      missing,
    );
  }
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new AgentUsageError(
      `flag ${ENTRYPOINT_FLAGS.resultsUrl}: "${url}" is not an http(s) URL`,
      ENTRYPOINT_FLAGS.resultsUrl,
    );
  return { url: url.replace(/\/+$/, ''), tokenFile };
}

function terminationLimit(value: string | undefined): number {
  if (value === undefined) return TERMINATION_MESSAGE_LIMIT;
  const n = Number(value);
  // Below ~256 bytes not even the exit code and start time fit.
  if (!/^\d+$/.test(value) || n < 256 || n > TERMINATION_MESSAGE_LIMIT)
    throw new AgentUsageError(
      `flag ${ENTRYPOINT_FLAGS.terminationLimit}: "${value}" is not a byte count from 256 to ${TERMINATION_MESSAGE_LIMIT}`,
      ENTRYPOINT_FLAGS.terminationLimit,
    );
  return n;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function bool(raw: Map<Key, string>, key: Key): boolean {
  const value = raw.get(key);
  if (value === undefined || value === 'true' || value === '1') return value !== undefined;
  if (value === 'false' || value === '0') return false;
  throw new AgentUsageError(`flag ${ENTRYPOINT_FLAGS[key]}: "${value}" is not true or false`, ENTRYPOINT_FLAGS[key]);
}

function duration(raw: Map<Key, string>, key: Key): number | undefined {
  const value = raw.get(key);
  if (value === undefined || value === '') return undefined;
  const ms = durationFlagValue(ENTRYPOINT_FLAGS[key], value);
  return ms === 0 ? undefined : ms;
}

function resultNames(value: string | undefined): string[] {
  const names = list(value);
  for (const name of names) {
    if (!RESULT_NAME.test(name) || name === '.' || name === '..') {
      throw new AgentUsageError(
        `flag -results: "${name}" is not a result name (letters, digits, '_', '-', '.')`,
        ENTRYPOINT_FLAGS.results,
      );
    }
  }
  return names;
}

function onError(value: string | undefined): StepOnError {
  if (value === undefined || value === '') return 'stopAndFail';
  if ((STEP_ON_ERROR as readonly string[]).includes(value)) return value as StepOnError;
  throw new AgentUsageError(
    `flag -on_error: "${value}" is not one of ${STEP_ON_ERROR.join(', ')}`,
    ENTRYPOINT_FLAGS.onError,
  );
}

function stepIndex(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,6}$/.test(value)) {
    throw new AgentUsageError(`flag -step_index: "${value}" is not a non-negative integer`, ENTRYPOINT_FLAGS.stepIndex);
  }
  return Number(value);
}
