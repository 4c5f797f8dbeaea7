// `kubectl apply -k deploy/` as the README and docs/kubernetes.md write it: their preparation step
// (the collector secret's env file, which git does not hold) run in a copy of deploy/, then
// `kubectl kustomize` (what apply -k renders, offline) must yield every manifest and the secret.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO } from '../../testkit/kiln-cli.js';

const PREPARE = 'echo "secret=$(openssl rand -hex 32)" > deploy/collector-secret.env';
const KUBECTL = '/usr/bin/kubectl';

interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
}
const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Doc);
const ids = (docs: Doc[]) => docs.map((d) => `${d.kind}/${d.metadata.name}`).sort();

const tmp = mkdtempSync(join(tmpdir(), 'kiln-kustomize-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kubectl apply -k deploy/', () => {
  it('the README and docs/kubernetes.md write the same preparation step before it', () => {
    for (const doc of ['README.md', 'docs/kubernetes.md']) {
      const text = readFileSync(join(REPO, doc), 'utf8');
      expect(text, doc).toContain(`${PREPARE}\nkubectl apply -k deploy/`);
    }
  });

  it.skipIf(!existsSync(KUBECTL))('renders every manifest and the collector secret after that step', () => {
    cpSync(join(REPO, 'deploy'), join(tmp, 'deploy'), {
      recursive: true,
      filter: (p) => !p.endsWith('collector-secret.env'),
    });
    execFileSync('sh', ['-c', PREPARE], { cwd: tmp });
    const out = execFileSync(KUBECTL, ['kustomize', join(tmp, 'deploy')], { encoding: 'utf8' });
    const rendered = docsOf(out);

    const k = parse(readFileSync(join(REPO, 'deploy/kustomization.yaml'), 'utf8')) as { resources: string[] };
    const expected = k.resources.flatMap((r) => docsOf(readFileSync(join(REPO, 'deploy', r), 'utf8')));
    expect(ids(rendered)).toEqual(ids([...expected, { kind: 'Secret', metadata: { name: 'kiln-collector-secret' } }]));

    const secret = rendered.find((d) => d.kind === 'Secret')!;
    expect(secret.metadata.namespace).toBe('kiln');
    expect(Buffer.from(secret.data!.secret, 'base64').toString()).toMatch(/^[0-9a-f]{64}$/);
  });
});
