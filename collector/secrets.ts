// The collector's two secrets: the HMAC secret that run tokens are minted with, and the reader
// token. Taken from the environment or a file; generated (mode 0600) when neither exists.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../contract/index.js';

export function loadOrCreateSecret(o: { value?: string; file: string; what: string }): {
  value: string;
  created: boolean;
} {
  if (o.value) return { value: o.value, created: false };
  if (existsSync(o.file)) {
    const value = readFileSync(o.file, 'utf8').trim();
    if (!value)
      throw new UsageError(
        `${o.what} file ${o.file} is empty`,
        `delete it to have a new one generated, or write a secret into it`,
      );
    return { value, created: false };
  }
  const value = randomBytes(32).toString('base64url');
  mkdirSync(dirname(o.file), { recursive: true });
  writeFileSync(o.file, value + '\n', { mode: 0o600, flag: 'wx' });
  return { value, created: true };
}

/** The write secret a collector started with `stateDir` uses (made there on first use). */
export const collectorSecret = (stateDir: string): string =>
  loadOrCreateSecret({ file: join(stateDir, 'collector-secret'), what: 'collector secret' }).value;
