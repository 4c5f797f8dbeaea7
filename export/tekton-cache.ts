// A step's cache, kept: kiln-agent (copied from the agent image by a first step) runs the step,
// restoring before it and saving after it, with the collector's cache API and a run token from a
// Secret (docs/export.md). Its spool, termination message and metadata go to the tools volume.
import { cacheFlagArgs, ENTRYPOINT_FLAGS } from '../contract/index.js';
import { type StepSpec } from '../syntax/index.js';
import { type Doc } from './common.js';

const TOOLS = '/kiln';
export const CACHE_PARAMS = [
  {
    name: 'kiln-collector',
    type: 'string',
    description: "the Kiln collector's URL (step caches)",
    default: 'http://kiln-collector.kiln:8080',
  },
  {
    name: 'kiln-cache-secret',
    type: 'string',
    description: 'a Secret whose key "token" is a run token of the collector',
    default: 'kiln-cache-token',
  },
];
export const CACHE_VOLUMES = [
  { name: 'kiln-bin', emptyDir: {} },
  { name: 'kiln-lib', emptyDir: {} },
  { name: 'kiln-state', emptyDir: {} },
  { name: 'kiln-cache-token', secret: { secretName: '$(params.kiln-cache-secret)' } },
];
export const CACHE_MOUNTS = [
  { name: 'kiln-bin', mountPath: `${TOOLS}/bin` },
  { name: 'kiln-lib', mountPath: `${TOOLS}/lib` },
  { name: 'kiln-state', mountPath: `${TOOLS}/state` },
  { name: 'kiln-cache-token', mountPath: `${TOOLS}/token`, readOnly: true },
];

/** The agent image's `kiln-agent init`: fills the tools volumes as the pod builder's init container does. */
export function agentInstallStep(agentImage: string): Doc {
  return {
    name: 'kiln-agent-install',
    image: agentImage,
    command: [`${TOOLS}/bin/kiln-agent`, 'init', '/kiln-tools'],
    volumeMounts: [
      { name: 'kiln-bin', mountPath: '/kiln-tools/bin' },
      { name: 'kiln-lib', mountPath: '/kiln-tools/lib' },
    ],
  };
}

export function cachedCommand(step: StepSpec, i: number, map: (s: string) => string): string[] {
  const F = ENTRYPOINT_FLAGS;
  const argv =
    step.script !== undefined ? ['sh', '-c', map(step.script)] : [...step.command!.map(map), ...step.args.map(map)];
  const state = `${TOOLS}/state/${i}`;
  return [
    `${TOOLS}/bin/kiln-agent`,
    'entrypoint',
    ...cacheFlagArgs(step.cache!, { url: '$(params.kiln-collector)', tokenFile: `${TOOLS}/token/token` }),
    F.terminationPath,
    `${state}/termination`,
    F.stepMetadataDir,
    state,
    F.resultsDir,
    '/tekton/results',
    F.logDir,
    `${state}/logs`,
    F.stepName,
    step.name,
    F.entrypoint,
    argv[0]!,
    '--',
    ...argv.slice(1),
  ];
}
