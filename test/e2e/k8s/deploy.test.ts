// deploy/ and rendered Pods against a real API server (scripts/k8s-env.sh, kube-apiserver 1.34):
// `kubectl apply -k deploy/` exactly as the README writes it, then the server's own schemas and
// admission judge the examples and the Pods Kiln renders (server-side dry run, strict field
// validation: an unknown or mistyped field is an error, as is a Pod PodSecurity refuses).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildClaims, buildPod, buildTokenSecret } from '../../../runtimes/kubernetes/index.js';
import { startK8sEnv, type K8sEnv } from '../../../testkit/k8s-env.js';
import { BUILD_OPTIONS, plan } from '../../controller/plans.js';
import { REPO } from '../../../testkit/kiln-cli.js';

const run = promisify(execFile);
let k: K8sEnv;
let work: string;

beforeAll(async () => {
  k = await startK8sEnv({ controller: false });
  work = mkdtempSync(join(tmpdir(), 'kiln-k8s-deploy-'));
}, 3_600_000);

afterAll(async () => {
  await k?.stop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

/** A shell line run in the work directory, with the environment's KUBECONFIG. */
const sh = async (line: string) =>
  (await run('bash', ['-c', line], { cwd: work, env: k.env, timeout: 120_000, maxBuffer: 8 << 20 })).stdout;

const README_STEPS = (() => {
  const text = readFileSync(join(REPO, 'README.md'), 'utf8');
  const m =
    /\n(echo "secret=\$\(openssl rand -hex 32\)" > deploy\/collector-secret\.env\nkubectl apply -k deploy\/)\n/.exec(
      text,
    );
  if (!m) throw new Error('README.md no longer writes the deploy/ install steps this test runs');
  return m[1]!;
})();

describe('deploy/ on a real API server', () => {
  it('kubectl apply -k deploy/ as the README writes it creates everything, the collector secret included', async () => {
    cpSync(join(REPO, 'deploy'), join(work, 'deploy'), {
      recursive: true,
      filter: (p) => !p.endsWith('collector-secret.env'),
    });
    const out = await sh(README_STEPS);
    for (const what of [
      'customresourcedefinition.apiextensions.k8s.io/pipelineruns.kiln.dev',
      'clusterrole.rbac.authorization.k8s.io/kiln-controller',
      'deployment.apps/kiln-controller',
      'deployment.apps/kiln-collector',
      'configmap/kiln-config',
    ])
      expect(out).toContain(what);
    expect(out).toMatch(/secret\/kiln-collector-secret (created|configured|unchanged)/);
    const env = await sh(
      "kubectl -n kiln get deployment kiln-controller -o jsonpath='{.spec.template.spec.containers[0].env[*].name}'",
    );
    expect(env).toContain('KILN_POD_SECURITY');
  });

  it("the examples pass the server's schemas (dry run, strict validation)", async () => {
    await sh('kubectl create namespace ci');
    const out = await sh(`kubectl create --dry-run=server --validate=strict -n ci -f ${join(REPO, 'deploy/examples')}`);
    expect(out.trim().split('\n')).toHaveLength(4);
  });

  it('rendered Pods: restricted passes PodSecurity restricted; image mode passes the schema in a plain namespace and is refused by restricted', async () => {
    const pipeline = join(work, 'pipeline.yaml');
    writeFileSync(
      pipeline,
      [
        'name: render-check',
        'tasks:',
        '  build:',
        '    image: busybox',
        '    results: [digest]',
        '    steps:',
        '      - { name: compile, run: "echo hi > $(results.digest.path)" }',
        '      - { name: test, command: [sh, -c, "true"], env: { CI: "true" } }',
        '',
      ].join('\n'),
    );
    const render = (mode: string) =>
      sh(
        `node ${join(REPO, 'dist/kiln.mjs')} render ${pipeline} --task build --namespace NS --collector http://kiln-collector.kiln.svc:8790 --pod-security ${mode}`,
      );
    const dryRun = async (pod: string, ns: string) => {
      const file = join(work, `pod-${ns}.yaml`);
      // The owner the render names does not exist: a dry run does not look, garbage collection would.
      writeFileSync(file, pod.replace(/namespace: NS/, `namespace: ${ns}`));
      return sh(`kubectl create --dry-run=server --validate=strict -f ${file} 2>&1 || true`);
    };
    expect(await dryRun(await render('restricted'), k.namespace)).toMatch(
      /pod\/render-check-render-build created \(server dry run\)/,
    );
    const image = await render('image');
    expect(await dryRun(image, 'ci')).toMatch(/created \(server dry run\)/);
    expect(await dryRun(image, k.namespace)).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  it("everything the controller creates for a task (token Secret, volumeClaimTemplate PVC, Pod) passes the server's schemas", async () => {
    const p = plan({
      workspaceBindings: {
        source: {
          kind: 'volumeClaimTemplate',
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      },
    });
    // A namespace without kiln-e2e's LimitRange: its default memory limit (512Mi) is below the
    // 1Gi this plan's first step requests, which the server rightly refuses there.
    await sh('kubectl create namespace schemas');
    const opts = { ...BUILD_OPTIONS, namespace: 'schemas', podSecurity: 'restricted' as const };
    const objects = [buildTokenSecret(p, opts)!, ...buildClaims(p, opts), buildPod(p, opts)];
    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'PersistentVolumeClaim', 'Pod']);
    const file = join(work, 'created.yaml');
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    const out = await sh(`kubectl create --dry-run=server --validate=strict -f ${file} 2>&1 || true`);
    expect(
      out
        .trim()
        .split('\n')
        .filter((l) => l.endsWith('created (server dry run)')),
      out,
    ).toHaveLength(3);
  });
});
