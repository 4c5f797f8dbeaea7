// Every `kiln` sub-command registers itself here: one module per command, loaded only when named
// (or for help and completion, which need them all). The bundle is split per command, so `kiln run`
// never loads the Kubernetes client, and `kiln --version` loads no command at all.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

/** Command name → its module's register function, in the order `kiln --help` lists them. */
export const commands: Record<string, () => Promise<RegisterCommand>> = {
  collector: async () => (await import('./collector.js')).registerCollector,
  serve: async () => (await import('./serve.js')).registerServe,
  triggers: async () => (await import('./triggers.js')).registerTriggers,
  run: async () => (await import('./run.js')).registerRun,
  runs: async () => (await import('./runs.js')).registerRuns,
  logs: async () => (await import('./logs.js')).registerLogs,
  get: async () => (await import('./get.js')).registerGet,
  cancel: async () => (await import('./cancel.js')).registerCancel,
  rerun: async () => (await import('./rerun.js')).registerRerun,
  approve: async () => (await import('./approve.js')).registerApprove,
  reject: async () => (await import('./approve.js')).registerApprove,
  token: async () => (await import('./token.js')).registerToken,
  search: async () => (await import('./search.js')).registerSearch,
  validate: async () => (await import('./validate.js')).registerValidate,
  graph: async () => (await import('./graph.js')).registerGraph,
  render: async () => (await import('./render.js')).registerRender,
  apply: async () => (await import('./apply.js')).registerApply,
  export: async () => (await import('./export.js')).registerExport,
  controller: async () => (await import('./controller.js')).registerController,
  templates: async () => (await import('./templates.js')).registerTemplates,
  completion: async () => (await import('./completion.js')).registerCompletion,
  config: async () => (await import('./config.js')).registerConfig,
};

/** `kiln completion` describes every command. */
const NEEDS_ALL = new Set(['completion']);
/** Commands that run another through the same command tree. */
const COMPANIONS: Record<string, string[]> = { rerun: ['run'] };

/** The register functions argv needs: the named command's alone, or every one (help, an unknown name). */
export async function commandsFor(argv: readonly string[]): Promise<RegisterCommand[]> {
  const name = argv[0];
  if (name === '-V' || name === '--version') return [];
  const named =
    name !== undefined && Object.hasOwn(commands, name) && !NEEDS_ALL.has(name)
      ? [name, ...(COMPANIONS[name] ?? [])].map((n) => commands[n]!)
      : Object.values(commands);
  // One module may register several commands (approve and reject): each register function once.
  return [...new Set(await Promise.all(named.map((load) => load())))];
}
