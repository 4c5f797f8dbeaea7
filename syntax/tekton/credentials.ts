// Tekton's credential initialization ("creds-init") for the local engines. The Secrets that a
// run's ServiceAccount lists, when of a type Tekton reads and annotated `tekton.dev/git-N` or
// `tekton.dev/docker-N` (the dockercfg types need no annotation), become the files Tekton writes
// into `$(credentials.path)` and a step's $HOME: git over ssh (.ssh/id_<secret>, .ssh/config,
// .ssh/known_hosts), git over https (.gitconfig, .git-credentials), docker (.docker/config.json).
// The formats are those of Tekton's pkg/credentials. Pure: the runtime writes the files.
import type { CredentialSecret, TektonCredentials } from '../model.js';
import type { KubernetesObjects } from './kubernetes.js';

const GIT_PREFIX = 'tekton.dev/git-';
const DOCKER_PREFIX = 'tekton.dev/docker-';
const BASIC_AUTH = 'kubernetes.io/basic-auth';
const SSH_AUTH = 'kubernetes.io/ssh-auth';
const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
const DOCKER_CFG = 'kubernetes.io/dockercfg';

/**
 * The credentials of ServiceAccount `account` from the documents given, or undefined when it is not
 * among them (a cluster's own account: nothing to do locally). `missing`: Secrets it lists that are
 * not given (Tekton skips them with a warning Event).
 */
export function accountCredentials(
  account: string,
  objects: KubernetesObjects,
): { credentials?: TektonCredentials; missing: string[] } | undefined {
  const listed = objects.serviceAccounts.get(account);
  if (!listed) return undefined;
  const missing: string[] = [];
  const secrets: CredentialSecret[] = [];
  for (const name of new Set(listed)) {
    const data = objects.secrets.get(name);
    const meta = objects.secretMeta.get(name);
    if (!data || !meta) missing.push(name);
    else if (readsSecret(meta.type, meta.annotations)) secrets.push({ name, ...meta, data });
  }
  return { ...(secrets.length > 0 && { credentials: { account, secrets } }), missing };
}

function readsSecret(type: string | undefined, annotations: Record<string, string>): boolean {
  if (type === DOCKER_CFG || type === DOCKER_CONFIG_JSON) return true;
  const annotated = Object.keys(annotations).some((k) => k.startsWith(GIT_PREFIX) || k.startsWith(DOCKER_PREFIX));
  return annotated && (type === BASIC_AUTH || type === SSH_AUTH);
}

/** Why a Secret cannot be turned into credentials (Tekton fails the task run's Pod for these). */
export function credentialProblems(credentials: TektonCredentials): string[] {
  return credentials.secrets.flatMap((s) => {
    if (s.type === SSH_AUTH && s.data['ssh-privatekey'] === undefined)
      return [`Secret "${s.name}" is of type ${SSH_AUTH} but has no "ssh-privatekey"`];
    if (s.type === BASIC_AUTH && (s.data.username === undefined || s.data.password === undefined))
      return [`Secret "${s.name}" is of type ${BASIC_AUTH} but lacks "username" or "password"`];
    const key = s.type === DOCKER_CFG ? '.dockercfg' : s.type === DOCKER_CONFIG_JSON ? '.dockerconfigjson' : undefined;
    if (key !== undefined && parsedObject(s.data[key]) === undefined)
      return [`Secret "${s.name}": its "${key}" is not a JSON object`];
    return [];
  });
}

/** The values of the annotations with `prefix`, sorted (Tekton sorts the values, not the keys). */
const annotated = (s: CredentialSecret, prefix: string) =>
  Object.entries(s.annotations)
    .filter(([k]) => k.startsWith(prefix))
    .map(([, v]) => v)
    .sort();

/**
 * The files Tekton's credential initialization writes, by path relative to the directory `dir`
 * (absolute, as the steps see it: ssh's config names the keys by their full path). File modes are
 * 0600, directories 0700: ssh refuses a key others can read.
 */
export function credentialFiles(credentials: TektonCredentials, dir: string): Record<string, string> {
  return { ...sshFiles(credentials, dir), ...gitBasicFiles(credentials), ...dockerFiles(credentials) };
}

function sshFiles({ secrets }: TektonCredentials, dir: string): Record<string, string> {
  const byHost = new Map<string, CredentialSecret[]>();
  for (const s of secrets.filter((s) => s.type === SSH_AUTH))
    for (const host of annotated(s, GIT_PREFIX)) byHost.set(host, [...(byHost.get(host) ?? []), s]);
  if (byHost.size === 0) return {};
  const files: Record<string, string> = {};
  const config: string[] = [];
  const knownHosts: string[] = [];
  for (const [key, entries] of byHost) {
    const [host, port] = splitHostPort(key);
    let entry = `Host ${host}\n    HostName ${host}\n    Port ${port}\n`;
    for (const s of entries) {
      files[`.ssh/id_${s.name}`] = s.data['ssh-privatekey'] ?? '';
      entry += `    IdentityFile ${dir}/.ssh/id_${s.name}\n`;
      if (s.data.known_hosts) knownHosts.push(s.data.known_hosts);
    }
    config.push(entry);
  }
  files['.ssh/config'] = config.join('');
  if (knownHosts.length > 0) files['.ssh/known_hosts'] = knownHosts.join('\n');
  return files;
}

/** `host:port` apart, port 22 when none is given (Go's net.SplitHostPort, brackets for IPv6). */
function splitHostPort(key: string): [string, string] {
  const m = /^\[([^\]]+)\]:(\d*)$/.exec(key) ?? /^([^:]+):(\d*)$/.exec(key);
  return m ? [m[1]!, m[2]!] : [key, '22'];
}

function gitBasicFiles({ secrets }: TektonCredentials): Record<string, string> {
  const byUrl = new Map<string, CredentialSecret>();
  for (const s of secrets.filter((s) => s.type === BASIC_AUTH))
    for (const url of annotated(s, GIT_PREFIX)) byUrl.set(url, s);
  if (byUrl.size === 0) return {};
  const config = ['[credential]\n\thelper = store\n'];
  const stored: string[] = [];
  for (const [url, s] of byUrl) {
    const user = s.data.username ?? '';
    config.push(`[credential ${JSON.stringify(url)}]\n\tusername = ${user.replaceAll('\\', '\\\\')}\n`);
    stored.push(withUserInfo(url, user, s.data.password ?? ''));
  }
  return { '.gitconfig': config.join(''), '.git-credentials': `${stored.join('\n')}\n` };
}

/** `scheme://user:password@rest`, the user info escaped as a URL's is. */
function withUserInfo(url: string, user: string, password: string): string {
  const info = `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`;
  const m = /^([A-Za-z][\w+.-]*:\/\/)(.*)$/s.exec(url);
  return m ? `${m[1]}${info}${m[2]}` : `${info}${url}`;
}

interface DockerEntry {
  username?: string;
  password?: string;
  auth: string;
  email?: string;
}

function dockerFiles({ secrets }: TektonCredentials): Record<string, string> {
  const auths: Record<string, DockerEntry> = {};
  // As Tekton: .dockercfg entries, then .dockerconfigjson's, then annotated basic-auth Secrets.
  for (const s of secrets.filter((s) => s.type === DOCKER_CFG))
    Object.assign(auths, parsedObject(s.data['.dockercfg']));
  for (const s of secrets.filter((s) => s.type === DOCKER_CONFIG_JSON))
    Object.assign(auths, parsedObject(parsedObject(s.data['.dockerconfigjson'])?.auths));
  for (const s of secrets.filter((s) => s.type === BASIC_AUTH)) {
    const { username = '', password = '' } = s.data;
    const auth = Buffer.from(`${username}:${password}`).toString('base64');
    for (const url of annotated(s, DOCKER_PREFIX)) auths[url] = { username, password, auth };
  }
  const urls = Object.keys(auths).sort();
  if (urls.length === 0) return {};
  return { '.docker/config.json': JSON.stringify({ auths: Object.fromEntries(urls.map((u) => [u, auths[u]])) }) };
}

function parsedObject(text: unknown): Record<string, DockerEntry> | undefined {
  if (typeof text === 'object' && text !== null && !Array.isArray(text)) return text as Record<string, DockerEntry>;
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, DockerEntry>)
      : undefined;
  } catch {
    return undefined;
  }
}
