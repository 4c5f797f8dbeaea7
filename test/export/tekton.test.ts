// Export to Tekton: the documents are Tekton v1, Kiln-only features are refused with every
// problem named, and importing the export (the spec's Tekton reader) gives back the same model.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exportToTekton, TektonExportError } from '../../export/index.js';
import { loadPipelineFiles, parsePipelineText, parseReference, substitute } from '../../syntax/index.js';
import type { PipelineSpec, TaskSpec } from '../../syntax/model.js';

const FIXTURE = new URL('./fixtures/export-pipeline.yaml', import.meta.url).pathname;
const toYaml = (docs: object[]) => docs.map((d) => stringify(d)).join('---\n');

/**
 * The model up to how values reach a step: a Tekton Task receives pipeline params and other tasks'
 * results through its own params, so those are inlined back into the strings that use them; a
 * task's default image and env reach each step (Tekton's steps and stepTemplate).
 */
function normalise(p: PipelineSpec) {
  const task = (t: TaskSpec) => {
    const inline = (text: string) =>
      substitute(text, (expr) => {
        const r = parseReference(expr);
        if (r.kind !== 'param' || !(r.name in t.params)) return undefined;
        const value = t.params[r.name];
        if (typeof value !== 'string' || value.startsWith(`$(params.${r.name}`)) return undefined;
        const selector = r.star ? '[*]' : r.index !== undefined ? `[${r.index}]` : r.key ? `.${r.key}` : '';
        return `${value.slice(0, -1)}${selector})`;
      });
    const strip = <T extends object>(o: T) =>
      JSON.parse(JSON.stringify(o, (k, v) => (k === 'pos' ? undefined : typeof v === 'string' ? inline(v) : v)));
    const { params: _params, pos: _pos, image, env, ...rest } = t;
    const steps = t.steps.map((st) => ({ ...st, image: st.image ?? image, env: { ...env, ...st.env } }));
    return strip({ ...rest, steps });
  };
  return {
    name: p.name,
    params: p.params.map(({ pos: _p, ...x }) => x),
    workspaces: p.workspaces,
    timeoutMs: p.timeoutMs,
    tasks: p.tasks.map(task),
    finally: p.finally.map(task),
    results: p.results,
  };
}

describe('kiln export --to tekton', () => {
  const { pipeline } = loadPipelineFiles([FIXTURE]);

  it('writes Tekton v1 Tasks, a Pipeline and a PipelineRun', () => {
    const docs = exportToTekton(pipeline, { params: { who: 'kiln' }, timeoutMs: 3_600_000 }) as {
      kind: string;
      apiVersion: string;
      metadata: { name?: string };
      spec: Record<string, unknown>;
    }[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.name ?? ''}`)).toEqual([
      'Task/web-a',
      'Task/web-b',
      'Task/web-done',
      'Pipeline/web',
      'PipelineRun/',
    ]);
    expect(new Set(docs.map((d) => d.apiVersion))).toEqual(new Set(['tekton.dev/v1']));
    const b = (
      docs[3].spec.tasks as {
        name: string;
        params: { name: string; value: string }[];
        retries: number;
        timeout: string;
      }[]
    )[1];
    expect(b.params).toContainEqual({ name: 'a-results-v', value: '$(tasks.a.results.v)' });
    expect([b.retries, b.timeout]).toEqual([2, '10m0s']);
    expect(docs[4].spec).toMatchObject({
      pipelineRef: { name: 'web' },
      params: [{ name: 'who', value: 'kiln' }],
      timeouts: { pipeline: '1h0m0s' },
    });
    expect((docs[0].spec.steps as { timeout: string }[])[0].timeout).toBe('1m30s');
    expect(docs[3].spec.results).toEqual([
      { name: 'v', description: 'the value of a', value: '$(tasks.a.results.v)' },
      { name: 'both', type: 'array', value: ['$(tasks.a.results.v)', 'fixed'] },
    ]);
  });

  it('imports back to the same model', () => {
    const back = parsePipelineText(toYaml(exportToTekton(pipeline)), 'exported.yaml').pipeline;
    expect(normalise(back)).toEqual(normalise(pipeline));
    expect(back.tasks.find((t) => t.name === 'b')!.needs).toEqual(pipeline.tasks.find((t) => t.name === 'b')!.needs);
  });

  it('writes an approval gate as the custom task reference and reads it back the same', () => {
    const text = `name: g\ntasks:\n  build: { image: alpine, steps: [{ run: "true" }] }\n  gate:\n    needs: [build]\n    approval: { message: "ship $(params.v)?", approvers: [release], timeout: 2h, onTimeout: approve }\nparams:\n  v: { default: "1" }\n`;
    const spec = parsePipelineText(text, 'g.yaml').pipeline;
    const docs = exportToTekton(spec) as { kind: string; spec: { tasks?: Record<string, unknown>[] } }[];
    const gate = docs.find((d) => d.kind === 'Pipeline')!.spec.tasks!.find((t) => t.name === 'gate')!;
    expect(gate).toMatchObject({ taskRef: { apiVersion: 'kiln.dev/v1alpha1', kind: 'Approval' }, timeout: '2h0m0s' });
    expect(docs.filter((d) => d.kind === 'Task').length).toBe(1); // none for the gate
    const back = parsePipelineText(toYaml(docs), 'exported.yaml').pipeline.tasks.find((t) => t.name === 'gate')!;
    expect(back.approval).toEqual(spec.tasks.find((t) => t.name === 'gate')!.approval);
    expect(back.needs).toEqual(['build']);
  });

  it("keeps Tekton's matrix include through an export and back", () => {
    const text = `name: m\ntasks:\n  t:\n    image: alpine\n    matrix: { os: [linux, mac] }\n    steps: [{ run: "echo $(matrix.os)" }]\n`;
    const spec = parsePipelineText(text, 'm.yaml').pipeline;
    spec.tasks[0]!.matrixInclude = [{ name: 'bsd', params: { os: 'freebsd' } }];
    const docs = exportToTekton(spec) as { kind: string; spec: { tasks?: { matrix?: unknown }[] } }[];
    expect(docs.find((d) => d.kind === 'Pipeline')!.spec.tasks![0]!.matrix).toEqual({
      params: [{ name: 'os', value: ['linux', 'mac'] }],
      include: [{ name: 'bsd', params: [{ name: 'os', value: 'freebsd' }] }],
    });
    const back = parsePipelineText(toYaml(docs), 'exported.yaml').pipeline;
    expect(back.tasks[0]!.matrixInclude).toEqual([{ name: 'bsd', params: { os: 'freebsd' } }]);
  });

  it('refuses what Tekton cannot express, naming every problem', () => {
    const text = `name: cached
tasks:
  build:
    image: node:20
    loop: { until: { cel: "true" }, max: 2 }
    steps:
      - run: echo $(hashFiles('package-lock.json'))
        cache: { key: "npm-$(hashFiles('package-lock.json'))", paths: [~/.npm] }
`;
    const p = parsePipelineText(text, 'cached.yaml').pipeline;
    let err: TektonExportError | undefined;
    try {
      exportToTekton(
        { ...p, workspaces: [{ name: 'src' }] },
        { workspaces: { src: { kind: 'dir', path: '/home/me/src' } } },
      );
    } catch (e) {
      err = e as TektonExportError;
    }
    expect(err).toBeInstanceOf(TektonExportError);
    // The cache key's hashFiles() is kiln-agent's in the exported step: only the script's is refused.
    expect(err!.problems).toEqual([
      'task "build": loop has no Tekton equivalent',
      `task "build": $(hashFiles('package-lock.json')) is a Kiln function Tekton does not have`,
      'workspace "src" is bound to a host directory (/home/me/src); Tekton binds PVCs, emptyDirs or volumeClaimTemplates',
    ]);
  });
});
