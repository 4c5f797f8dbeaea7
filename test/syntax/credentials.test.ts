// Tekton's credential initialization read from the documents beside a run (syntax/tekton/
// credentials.ts): which Secrets count, which account a task run uses, and the files in Tekton's
// formats. The host engine writing them is covered by test/e2e/tekton-cases/creds-init.yaml.
import { describe, expect, it } from 'vitest';
import { credentialFiles, parsePipelineText } from '../../syntax/index.js';
import { diagnosticsOf } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const secret = (name: string, type: string | undefined, annotations: Record<string, string>, data: string) => `
apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  annotations: ${JSON.stringify(annotations)}
${type ? `type: ${type}\n` : ''}${data}
---`;

const account = (name: string, secrets: string[]) => `
apiVersion: v1
kind: ServiceAccount
metadata: { name: ${name} }
secrets: ${JSON.stringify(secrets.map((s) => ({ name: s })))}
---`;

const pipelineRun = (spec: string) => `
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: { name: run }
spec:
${spec}
  pipelineSpec:
    tasks:
      - name: a
        taskSpec: { steps: [{ name: s, image: alpine, script: 'ls $(credentials.path)' }] }
      - name: b
        taskSpec: { steps: [{ name: s, image: alpine, script: 'true' }] }
`;

const SSH = (name: string, host: string, key: string) =>
  secret(name, 'kubernetes.io/ssh-auth', { 'tekton.dev/git-0': host }, `data: { ssh-privatekey: ${b64(key)} }`);

describe("Tekton's credential initialization", () => {
  it('gives each pipeline task the credentials of its taskRunSpecs account, else of taskRunTemplate, else of "default"', () => {
    const docs = [
      SSH('one', 'a.example.com', 'k1'),
      SSH('two', 'b.example.com', 'k2'),
      account('builder', ['one']),
      account('default', ['two']),
      pipelineRun(`  taskRunSpecs: [{ pipelineTaskName: a, serviceAccountName: builder }]`),
    ].join('');
    const { run } = parsePipelineText(docs);
    expect(run?.credentials?.a?.secrets.map((s) => s.name)).toEqual(['one']);
    expect(run?.credentials?.b?.secrets.map((s) => s.name)).toEqual(['two']);
    const template = parsePipelineText(
      [
        SSH('one', 'a.example.com', 'k1'),
        account('builder', ['one']),
        pipelineRun(`  taskRunTemplate: { serviceAccountName: builder }`),
      ].join(''),
    );
    expect(Object.keys(template.run?.credentials ?? {})).toEqual(['a', 'b']);
  });

  it("leaves a cluster's account alone, and passes over Secrets Tekton does not read", () => {
    const docs = [
      secret('opaque', undefined, { 'tekton.dev/git-0': 'https://x' }, 'stringData: { token: t }'),
      secret('plain', 'kubernetes.io/basic-auth', {}, 'stringData: { username: u, password: p }'),
      account('builder', ['opaque', 'plain']),
      pipelineRun(`  taskRunTemplate: { serviceAccountName: builder }`),
    ].join('');
    expect(parsePipelineText(docs).run?.credentials).toBeUndefined();
    expect(
      parsePipelineText(pipelineRun(`  taskRunTemplate: { serviceAccountName: cluster-only }`)).run?.credentials,
    ).toBeUndefined();
  });

  it('refuses an ssh-auth Secret without a key and a dockerconfigjson that is not JSON, naming the account', () => {
    const docs = [
      secret('nokey', 'kubernetes.io/ssh-auth', { 'tekton.dev/git-0': 'h' }, 'stringData: { known_hosts: x }'),
      secret('cfg', 'kubernetes.io/dockerconfigjson', {}, 'stringData: { .dockerconfigjson: "{oops" }'),
      account('builder', ['nokey', 'cfg']),
      pipelineRun(`  taskRunTemplate: { serviceAccountName: builder }`),
    ].join('');
    const messages = diagnosticsOf(docs).map((d) => d.message);
    expect(messages).toContain(
      'ServiceAccount "builder": Secret "nokey" is of type kubernetes.io/ssh-auth but has no "ssh-privatekey"',
    );
    expect(messages).toContain('ServiceAccount "builder": Secret "cfg": its ".dockerconfigjson" is not a JSON object');
  });

  it("writes Tekton's files: keys of one host under one Host entry, a port apart, registries merged by URL", () => {
    const docs = [
      SSH('one', 'git.example.com:2222', 'k1'),
      SSH('two', 'git.example.com:2222', 'k2'),
      secret(
        'hub',
        'kubernetes.io/dockerconfigjson',
        {},
        `stringData: { .dockerconfigjson: '${JSON.stringify({ auths: { 'https://a.io': { auth: 'QQ==' } } })}' }`,
      ),
      secret(
        'robot',
        'kubernetes.io/basic-auth',
        { 'tekton.dev/docker-1': 'https://b.io', 'tekton.dev/docker-0': 'https://a.io' },
        'stringData: { username: r, password: s }',
      ),
      account('builder', ['one', 'two', 'hub', 'robot', 'one']),
      pipelineRun(`  taskRunTemplate: { serviceAccountName: builder }`),
    ].join('');
    const files = credentialFiles(parsePipelineText(docs).run!.credentials!.a!, '/creds');
    expect(files['.ssh/config']).toBe(
      'Host git.example.com\n    HostName git.example.com\n    Port 2222\n' +
        '    IdentityFile /creds/.ssh/id_one\n    IdentityFile /creds/.ssh/id_two\n',
    );
    expect(files['.ssh/id_two']).toBe('k2');
    expect(files['.ssh/known_hosts']).toBeUndefined();
    // The annotated basic-auth Secret wins over the dockerconfigjson entry for the same URL.
    const auth = Buffer.from('r:s').toString('base64');
    expect(JSON.parse(files['.docker/config.json']!)).toEqual({
      auths: {
        'https://a.io': { username: 'r', password: 's', auth },
        'https://b.io': { username: 'r', password: 's', auth },
      },
    });
    expect(files['.gitconfig']).toBeUndefined();
  });
});
