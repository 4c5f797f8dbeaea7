// The agent's sub-commands. Each entry loads its module only when chosen, so `--version` and a
// step's start-up pay for nothing else. To add one, add an entry here.
import { ENTRYPOINT_FLAGS } from '../contract/index.js';
import { LOG_PROXY_USAGE } from './log-proxy/usage.js';

export interface AgentCommand {
  summary: string;
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

const ENTRYPOINT_USAGE = `usage: kiln-agent entrypoint [flags] [-- COMMAND ARGS...]

Waits for the previous step, runs COMMAND in its own process group, then writes the post file,
exit code, results and termination message. Flags (Go syntax: -flag value, -flag=value):
  ${ENTRYPOINT_FLAGS.waitFile} F1,F2        wait for each file; a file's .err twin skips this step
  ${ENTRYPOINT_FLAGS.waitFileContent}        wait until the wait file is non-empty
  ${ENTRYPOINT_FLAGS.postFile} F            written on success (F.err on failure)
  ${ENTRYPOINT_FLAGS.terminationPath} F     termination message JSON (default /kiln/termination)
  ${ENTRYPOINT_FLAGS.results} R1,R2         result names read from -results_dir after the command
  ${ENTRYPOINT_FLAGS.timeout} D             Go duration (500ms, 10s, 1m30s); the group gets SIGTERM
  ${ENTRYPOINT_FLAGS.timeoutGrace} D       then SIGKILL after this (default 5s)
  ${ENTRYPOINT_FLAGS.onError} continue|stopAndFail   continue: a non-zero exit is recorded, the chain goes on
  ${ENTRYPOINT_FLAGS.stepMetadataDir} D    exitCode is written to D/exitCode
  ${ENTRYPOINT_FLAGS.entrypoint} CMD          the command; the arguments after -- follow it
  ${ENTRYPOINT_FLAGS.resultsDir} D          default /kiln/results
  ${ENTRYPOINT_FLAGS.terminationLimit} N   bytes the termination message may hold (256-4096, default 4096):
                          a kubelet cuts each container's to 12 KiB / containers in the Pod
  ${ENTRYPOINT_FLAGS.resultsUrl} URL       results too large for the message (-termination_limit) are PUT to URL/NAME
                          (the collector; up to 1 MiB each), with ${ENTRYPOINT_FLAGS.resultsTokenFile} F (the run
                          token); the message then holds kiln.result:NAME {size, sha256}. Without it,
                          such a result fails the step (reason ResultTooLarge)
  ${ENTRYPOINT_FLAGS.logDir} D              log spool directory (default /kiln/logs)
  ${ENTRYPOINT_FLAGS.stepName} NAME         shown in the agent's own messages
  ${ENTRYPOINT_FLAGS.stepIndex} N           the spool file is -log_dir/N.spool
  ${ENTRYPOINT_FLAGS.exitWithParent}         when the process that started the agent dies, act as on SIGTERM
  ${ENTRYPOINT_FLAGS.cache} JSON              the step's dependency cache ({"key","restoreKeys","paths","policy"}):
                          restored before COMMAND, saved after it succeeds (KILN_CACHE_HIT=true|false)
  ${ENTRYPOINT_FLAGS.cacheDir} D            a local cache directory, or
  ${ENTRYPOINT_FLAGS.cacheUrl} URL          the collector, with ${ENTRYPOINT_FLAGS.cacheTokenFile} F (the run token)
  ${ENTRYPOINT_FLAGS.cacheWorkspace} D      relative cache paths and hashFiles globs (default: working dir);
                          the cache record goes into the termination message (key kiln.cache)`;

export const AGENT_COMMANDS: Record<string, AgentCommand> = {
  entrypoint: {
    summary: "run one step's command, in order with the pod's other steps",
    usage: ENTRYPOINT_USAGE,
    run: async (argv) => (await import('./entrypoint/command.js')).entrypointCommand(argv),
  },
  'log-proxy': {
    summary: "ship the pod's log spool to the collector, resuming from acked offsets",
    usage: LOG_PROXY_USAGE,
    run: async (argv) => (await import('./log-proxy/command.js')).logProxyCommand(argv),
  },
  host: {
    summary: "run every step and the log shipping of a local run's task runs, in this process (kiln run's host engine)",
    usage:
      'usage: kiln-agent host\n\nReads commands (start a task run, signal it, stop its log shipping) from stdin and writes\n' +
      "events (step output, a step's end, the shipping's end) to stdout, one JSON object a line\n" +
      "(contract/host-runner.ts). Closing stdin stops every step, as the death of a step agent's parent does.",
    run: async (argv) => (await import('./host/command.js')).hostCommand(argv),
  },
  init: {
    summary: 'copy the agent (and its loader and libraries) into a tools volume',
    usage:
      'usage: kiln-agent init DEST\n\nCopies the agent to DEST/bin/kiln-agent (and DEST/lib/ from the portable build).',
    run: async (argv) => (await import('./init.js')).initCommand(argv),
  },
};
