// A PipelineRun's taskRunSpecs reach the Pod: the engine's plan carries the compute resources on the
// steps and the pod fields as written, and the pod builder applies them (Kiln's own labels and a
// step's own env win where they meet the template's).
import { describe, expect, it } from 'vitest';
import { podSpecOf, withComputeResources, withSidecarResources } from '../../../engine/task-run-spec.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import { LABELS } from '../../../runtimes/kubernetes/labels.js';
import { makeResolver, substitute, type TaskRunSpecOverride } from '../../../syntax/index.js';
import { BUILD_OPTIONS, plan, step } from '../../controller/plans.js';

const spec: TaskRunSpecOverride = {
  pipelineTaskName: 'build',
  serviceAccountName: 'builder',
  podTemplate: {
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    tolerations: [{ key: 'ci', operator: 'Exists', effect: 'NoSchedule' }],
    securityContext: { fsGroup: 2000 },
    env: [
      { name: 'FROM_TEMPLATE', value: 'yes' },
      { name: 'MODE', value: 'template' },
    ],
    imagePullSecrets: [{ name: 'registry' }],
  },
  metadata: { labels: { team: 'web', [LABELS.task]: 'not-this' }, annotations: { note: 'from the run' } },
  stepSpecs: [{ name: 'test', computeResources: { requests: { cpu: '3' }, limits: { cpu: '4' } } }],
};

describe('taskRunSpecs on the Pod', () => {
  it('puts the service account, the pod template, labels and annotations on the Pod', () => {
    const pod = buildPod(plan({ pod: podSpecOf(spec) }), BUILD_OPTIONS);
    expect(pod.spec!.serviceAccountName).toBe('builder');
    expect(pod.spec!.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
    expect(pod.spec!.tolerations).toEqual([{ key: 'ci', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.spec!.imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(pod.spec!.securityContext).toMatchObject({ fsGroup: 2000 });
    expect(pod.metadata!.labels).toMatchObject({ team: 'web', [LABELS.task]: 'build' });
    expect(pod.metadata!.annotations).toMatchObject({ note: 'from the run' });
    for (const c of pod.spec!.containers) expect(c.env).toContainEqual({ name: 'FROM_TEMPLATE', value: 'yes' });
    const publish = pod.spec!.containers.find((c) => c.name === 'step-publish')!;
    expect(publish.env!.filter((e) => e.name === 'MODE')).toEqual([{ name: 'MODE', value: 'fast' }]);
  });

  it("substitutes the task run's values in the pod fields (a matrix combination's param in a node selector)", () => {
    const resolve = makeResolver({ params: { 'node-type': 'worker-2' } });
    const pod = podSpecOf(
      { pipelineTaskName: 'build', podTemplate: { nodeSelector: { 'node-type': '$(params.node-type)' } } },
      (s) => substitute(s, resolve),
    );
    expect(pod).toEqual({ podTemplate: { nodeSelector: { 'node-type': 'worker-2' } } });
  });

  it('a plan without taskRunSpecs builds the Pod it built before', () => {
    expect(buildPod(plan({ pod: podSpecOf(undefined) }), BUILD_OPTIONS)).toEqual(buildPod(plan(), BUILD_OPTIONS));
    expect(buildPod(plan(), BUILD_OPTIONS).spec!.serviceAccountName).toBeUndefined();
  });

  it('stepSpecs replace a step’s resources; task-level computeResources go on every step, one step requesting them', () => {
    const steps = [step('a', { resources: { requests: { cpu: '1' } } }), step('test')];
    expect(withComputeResources(steps, spec).map((s) => s.resources)).toEqual([
      { requests: { cpu: '1' } },
      { requests: { cpu: '3' }, limits: { cpu: '4' } },
    ]);
    const taskLevel: TaskRunSpecOverride = {
      pipelineTaskName: 'build',
      computeResources: { limits: { memory: '1Gi' } },
    };
    const planned = withComputeResources(steps, taskLevel);
    expect(planned.map((s) => s.resources)).toEqual([
      { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } },
      { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } },
    ]);
    // The Pod asks for the task's amount once, not once per step.
    const pod = buildPod(plan({ steps: planned.map((s) => ({ ...s, script: 'true' })) }), BUILD_OPTIONS);
    expect(
      pod.spec!.containers.filter((c) => c.name.startsWith('step-')).map((c) => c.resources!.requests!.memory),
    ).toEqual(['1Gi', '0']);
  });

  it('sidecarSpecs replace a sidecar’s resources by name, on the Pod’s sidecar container', () => {
    const sidecars = [
      { ...step('db', { resources: { requests: { cpu: '1' } } }), script: 'sleep 60' },
      { ...step('cache'), script: 'sleep 60' },
    ];
    const withSpecs: TaskRunSpecOverride = {
      pipelineTaskName: 'build',
      sidecarSpecs: [{ name: 'db', computeResources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } }],
    };
    const planned = withSidecarResources(sidecars, withSpecs);
    expect(planned.map((s) => s.resources)).toEqual([
      { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } },
      undefined,
    ]);
    expect(withSidecarResources(sidecars, undefined)).toBe(sidecars);
    expect(podSpecOf(withSpecs)).toBeUndefined(); // nothing of the Pod's own: the sidecars carry it
    const pod = buildPod(plan({ sidecars: planned }), BUILD_OPTIONS);
    const db = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers].find((c) => c.name === 'sidecar-db')!;
    expect(db.resources).toEqual({ requests: { memory: '256Mi' }, limits: { memory: '512Mi' } });
  });
});
