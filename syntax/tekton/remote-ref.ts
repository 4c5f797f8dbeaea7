// Tekton's remote references (`taskRef` / `pipelineRef` with `resolver:`). The `git` resolver is
// followed when its repository is on this machine (a path or a file:// URL): the file at
// `pathInRepo` of `revision` is read with `git show`, as Tekton's resolver reads it from a clone.
// The other resolvers (hub, http, bundles, cluster) and a git repository over the network are
// refused, saying what to do instead: Kiln fetches nothing over the network.
import { execFileSync } from 'node:child_process';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap } from 'yaml';
import { parseYamlDocuments, type At, type Source } from '../yaml-source.js';

/** A document a reference names: a Task or Pipeline, with its spec. */
export interface RefTarget {
  kind: string;
  name?: string;
  src: Source;
  spec: At;
}

/** Reads one Tekton document of a fetched file (documents.ts's reader: kind, name, spec). */
export type DocumentReader = (src: Source) => RefTarget | undefined;

/** Reads `pathInRepo` at `revision` of a local repository; throws with git's message. */
export type GitReader = (repository: string, revision: string, pathInRepo: string) => string;

export const readFromGit: GitReader = (repository, revision, pathInRepo) =>
  execFileSync('git', ['-C', repository, 'show', `${revision}:${pathInRepo}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 8 * 1024 * 1024,
  });

/** Tekton's git resolver's default revision (its `default-revision` setting). */
const DEFAULT_REVISION = 'main';
// gitToken / gitTokenKey authenticate a clone over the network: known, and moot for a local repository.
const GIT_PARAMS = ['url', 'revision', 'pathInRepo', 'gitToken', 'gitTokenKey'];
const GIT_API_PARAMS = ['org', 'repo', 'token', 'tokenKey', 'scmType', 'serverURL'];
const NOT_HERE: Record<string, string> = {
  hub: 'the hub resolver needs Tekton Hub or Artifact Hub over the network',
  http: 'the http resolver fetches over the network',
  bundles: 'the bundles resolver pulls from an OCI registry',
  cluster: 'the cluster resolver reads resources of a cluster',
};
const FETCH_HINT =
  'fetch the Task or Pipeline file and pass it to kiln beside this one, referring to it by name (or put it in a git repository on this machine and use the git resolver with a file:// url)';

export function hasResolver(refAt: At | undefined): boolean {
  return !!refAt && isMap(refAt.node) && refAt.node.has('resolver');
}

/** Resolves remote references, each file once per load (two pipeline tasks may name the same one). */
export class RemoteRefs {
  private readonly fetched = new Map<string, RefTarget | undefined>();

  constructor(
    private readonly readDocument: DocumentReader,
    private readonly readGit: GitReader = readFromGit,
  ) {}

  /** The document `refAt` (a ref with `resolver:`) names, of `kind`; undefined when refused or not found (reported). */
  resolve(src: Source, refAt: At, what: string, kind: 'Task' | 'Pipeline'): RefTarget | undefined {
    const f = src.fields(refAt, what, ['resolver', 'params', 'kind', 'apiVersion', 'name']);
    const resolver = f && src.string(f.get('resolver'), `${what}.resolver`);
    if (!f || resolver === undefined) return undefined;
    if (resolver !== 'git') {
      const why = NOT_HERE[resolver] ?? `"${resolver}" is not a resolver Kiln knows`;
      src.error(f.get('resolver')!.pos, `${what}: the ${resolver} resolver is not available here (${why})`, FETCH_HINT);
      return undefined;
    }
    const params = this.params(src, f.get('params'), `${what}.params`);
    if (!params) return undefined;
    const api = GIT_API_PARAMS.filter((p) => params.has(p));
    if (api.length) {
      src.error(
        refAt.pos,
        `${what}: the git resolver's API mode (${api.join(', ')}) needs a forge over the network`,
        'clone the repository on this machine and give params url (a path or file:// URL), revision and pathInRepo',
      );
      return undefined;
    }
    const url = params.get('url');
    const pathInRepo = params.get('pathInRepo');
    if (url === undefined || pathInRepo === undefined) {
      src.error(
        refAt.pos,
        `${what}: the git resolver needs params url and pathInRepo`,
        'add them (revision too: default main)',
      );
      return undefined;
    }
    const repository = localRepository(url, src.file);
    if (!repository) {
      src.error(
        refAt.pos,
        `${what}: the git resolver reaches only a repository on this machine here, not "${url}"`,
        'clone it and give url: file:///PATH/TO/CLONE (or the path)',
      );
      return undefined;
    }
    const revision = params.get('revision') ?? DEFAULT_REVISION;
    const label = `${url}@${revision}:${pathInRepo}`;
    if (!this.fetched.has(label))
      this.fetched.set(label, this.fetch(src, refAt, what, repository, revision, pathInRepo, label));
    const target = this.fetched.get(label);
    if (target && target.kind !== kind && !(kind === 'Task' && target.kind === 'ClusterTask')) {
      src.error(
        refAt.pos,
        `${what}: ${label} holds a ${target.kind}, not a ${kind}`,
        `point pathInRepo at a ${kind} file`,
      );
      return undefined;
    }
    return target;
  }

  private fetch(
    src: Source,
    refAt: At,
    what: string,
    repository: string,
    revision: string,
    pathInRepo: string,
    label: string,
  ): RefTarget | undefined {
    let text: string;
    try {
      text = this.readGit(repository, revision, pathInRepo);
    } catch (err) {
      const said = String((err as { stderr?: unknown }).stderr || (err as Error).message)
        .trim()
        .split('\n')[0];
      src.error(refAt.pos, `${what}: git cannot read ${label}: ${said}`, 'check url, revision and pathInRepo');
      return undefined;
    }
    const docs = parseYamlDocuments(text, label, src.diags);
    if (docs.length !== 1) {
      src.error(
        refAt.pos,
        `${what}: ${label} holds ${docs.length} documents`,
        'the git resolver reads a file of one Task or Pipeline',
      );
      return undefined;
    }
    return this.readDocument(docs[0]!);
  }

  /** `params: [{name, value}]` of a resolver, every value a string. */
  private params(src: Source, at: At | undefined, what: string): Map<string, string> | undefined {
    const out = new Map<string, string>();
    for (const item of src.list(at, what) ?? []) {
      const f = src.fields(item, `an item of ${what}`, ['name', 'value']);
      const name = f && src.string(f.get('name'), `${what}[].name`);
      const value = f && src.string(f.get('value'), `${what}.${name}.value`);
      if (name === undefined || value === undefined) {
        if (f) src.error(item.pos, `an item of ${what} needs a name and a string value`);
        return undefined;
      }
      if (!GIT_PARAMS.includes(name) && !GIT_API_PARAMS.includes(name)) {
        src.error(
          item.pos,
          `${what}: the git resolver has no param "${name}"`,
          `its params: ${GIT_PARAMS.slice(0, 3).join(', ')}`,
        );
        return undefined;
      }
      out.set(name, value);
    }
    return out;
  }
}

/** The directory of a repository on this machine that `url` names (relative to the file), else undefined. */
function localRepository(url: string, file: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^/]+:/.test(url)) return undefined;
  return isAbsolute(url) ? url : resolve(dirname(file), url);
}
