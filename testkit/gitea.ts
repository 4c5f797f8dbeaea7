// Gitea, a real forge, on loopback for tests: the binary from scripts/gitea-build.sh (setup.sh builds
// it; built here when missing), installed without its web installer in a scratch directory (SQLite,
// INSTALL_LOCK, `gitea migrate`), an admin user and an access token made with `gitea admin`, then
// `gitea web` started and waited for on its log line saying it listens.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './kiln-cli.js';

const run = promisify(execFile);

export interface Gitea {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  user: string;
  token: string;
  /** A JSON call to /api/v1 as the admin user; throws on a status other than `expect`. */
  api(method: string, path: string, body?: unknown, expect?: number): Promise<unknown>;
  /** The clone URL with the user and token in it, for `git push`. */
  pushUrl(repo: string): string;
  stop(): Promise<void>;
}

/** The directory with the gitea binary, options/ and templates/: built on the first call on a machine. */
export async function giteaHome(): Promise<string> {
  const { stdout } = await run('bash', [join(REPO, 'scripts/gitea-build.sh')], {
    timeout: 3_600_000,
    maxBuffer: 16 << 20,
  });
  return stdout.trim();
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

function appIni(dir: string, home: string, port: number): string {
  return `APP_NAME = kiln-tests
RUN_MODE = prod
WORK_PATH = ${dir}
; CI runs as root; Gitea refuses that unless told.
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${port}
ROOT_URL = http://127.0.0.1:${port}/
STATIC_ROOT_PATH = ${home}
APP_DATA_PATH = ${dir}/data
DISABLE_SSH = true
START_SSH_SERVER = false
LFS_START_SERVER = false
OFFLINE_MODE = true

[database]
DB_TYPE = sqlite3
PATH = ${dir}/gitea.db

[repository]
ROOT = ${dir}/repositories

[security]
INSTALL_LOCK = true
SECRET_KEY = ${randomBytes(24).toString('hex')}
INTERNAL_TOKEN = ${randomBytes(48).toString('hex')}

[service]
DISABLE_REGISTRATION = true

[webhook]
; kiln serve listens on loopback, which Gitea's default ("external") refuses to call.
ALLOWED_HOST_LIST = loopback
DELIVER_TIMEOUT = 10

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[mailer]
ENABLED = false

[log]
MODE = console
; debug: the line that says the listener is open ("Starting server on") is a debug line.
LEVEL = debug
ROOT_PATH = ${dir}/log
`;
}

export async function startGitea(): Promise<Gitea> {
  const home = await giteaHome();
  const bin = join(home, 'gitea');
  const dir = mkdtempSync(join(tmpdir(), 'kiln-gitea-'));
  const port = await freePort();
  const config = join(dir, 'app.ini');
  writeFileSync(config, appIni(dir, home, port));
  const env = { ...process.env, GITEA_WORK_DIR: dir, HOME: dir };
  const gitea = (...args: string[]) => run(bin, [...args, '--config', config], { env, cwd: dir });
  const user = 'kiln';
  await gitea('migrate');
  await gitea(
    'admin',
    'user',
    'create',
    '--username',
    user,
    '--password',
    randomBytes(12).toString('hex'),
    '--email',
    'kiln@example.test',
    '--admin',
    '--must-change-password=false',
  );
  // The token is the last line: Gitea's warning about running as root goes to stdout too.
  const { stdout } = await gitea(
    'admin',
    'user',
    'generate-access-token',
    '--username',
    user,
    '--scopes',
    'all',
    '--raw',
  );
  const token = stdout.trim().split('\n').pop()!.trim();

  const child: ChildProcess = spawn(bin, ['web', '--config', config], {
    env,
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // "Starting new Web server" comes before the listener opens; "Starting server on" after it.
  const listening = `Starting server on tcp:127.0.0.1:${port}`;
  let output = '';
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  await new Promise<void>((ok, fail) => {
    const seen = (d: Buffer) => {
      output = (output + d.toString()).slice(-64 * 1024);
      if (output.includes(listening)) ok();
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    void exited.then((code) => fail(new Error(`gitea web exited (${code}) before listening:\n${output}`)));
  });
  const url = `http://127.0.0.1:${port}`;

  const api = async (method: string, path: string, body?: unknown, expect = 200) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`Gitea ${method} ${path}: ${res.status} (wanted ${expect}): ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    url,
    user,
    token,
    api,
    pushUrl: (repo) => `http://${user}:${token}@127.0.0.1:${port}/${repo}.git`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
