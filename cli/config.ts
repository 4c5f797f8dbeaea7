// The user's settings file, so a shell need not export KILN_* in every session:
// $XDG_CONFIG_HOME/kiln/config.yaml (~/.config/kiln/config.yaml). Each key stands for one
// environment variable; a variable set in the environment, and a flag, win over the file.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { UsageError } from '../contract/index.js';
import { suggest } from '../syntax/index.js';

export const CONFIG_KEYS = {
  collector: 'KILN_COLLECTOR',
  'collector-secret': 'KILN_COLLECTOR_SECRET',
  token: 'KILN_TOKEN',
  database: 'KILN_DATABASE_URL',
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;
const KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'kiln', 'config.yaml');
}

export function checkKey(key: string): ConfigKey {
  if (!(KEYS as string[]).includes(key))
    throw new UsageError(`config key "${key}" is unknown`, `${suggest(key, KEYS)} (keys: ${KEYS.join(', ')})`);
  return key as ConfigKey;
}

export function readConfig(path = configPath()): Partial<Record<ConfigKey, string>> {
  if (!existsSync(path)) return {};
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path}: not YAML (${(err as Error).message.split('\n')[0]})`, 'fix or remove the file');
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${path}: expected a mapping of settings`, `keys: ${KEYS.join(', ')}`);
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = checkKey(k);
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new UsageError(`${path}: ${k} must be a string`, `kiln config set ${k} VALUE`);
    out[key] = String(v);
  }
  return out;
}

/** Writes one setting (or removes it, value undefined); the file may hold secrets: mode 0600. */
export function writeConfig(key: ConfigKey, value: string | undefined, path = configPath()): void {
  const config = readConfig(path);
  if (value === undefined) delete config[key];
  else config[key] = value;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(config), { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The file's settings into the environment, for what the environment does not set itself. */
export function applyConfig(env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(readConfig(configPath(env)))) {
    const name = CONFIG_KEYS[key as ConfigKey];
    if (env[name] === undefined || env[name] === '') env[name] = value;
  }
}
