// Task run plans shared by the Kubernetes tests: what the engine would hand the runtime.
import type { ResolvedStep, TaskRunPlan } from '../../engine/runtime.js';

export function step(name: string, over: Partial<ResolvedStep> = {}): ResolvedStep {
  return { name, env: {}, onError: 'stopAndFail', ...over };
}

export function plan(over: Partial<TaskRunPlan> = {}): TaskRunPlan {
  return {
    pipelineRun: 'web-app-1',
    pipeline: 'web-app',
    name: 'web-app-1-build',
    task: 'build',
    attempt: 0,
    image: 'node:20',
    steps: [
      step('install', { script: 'npm ci', resources: { requests: { cpu: '500m', memory: '1Gi' } } }),
      step('test', {
        command: ['npm', 'test', '--', '--out=$(results.report.path)'],
        timeoutMs: 60_000,
        resources: { requests: { cpu: '2', memory: '512Mi' }, limits: { memory: '2Gi' } },
      }),
      step('publish', { image: 'alpine:3', script: '#!/usr/bin/env python3\nprint(1)', env: { MODE: 'fast' } }),
    ],
    results: ['report'],
    workspaces: [{ name: 'src', workspace: 'source', subPath: 'app' }],
    workspaceBindings: { source: { kind: 'pvc', claimName: 'shared-src' } },
    timeoutMs: 600_000,
    env: { CI: 'true', MODE: 'slow' },
    collector: { url: 'http://kiln-collector.kiln.svc:8080', token: 'secret-token' },
    ...over,
  };
}

export const BUILD_OPTIONS = {
  namespace: 'ci',
  agentImage: 'ghcr.io/kiln/agent:0.1.0',
  owner: { name: 'web-app-1', uid: '1111-2222' },
};
