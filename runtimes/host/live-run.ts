// What the local runtime keeps of a task run while it runs, and the line it reports of a step's output.
import type { CancelReason, ResolvedStep, TaskRunPlan } from '../../engine/index.js';
import type { StepAgents } from './agents.js';
import type { LogShipping } from './log-proxy-sidecar.js';
import type { StepFacts } from './observe.js';
import type { HostSidecars } from './sidecars.js';

export interface OutputLine {
  pipelineRun: string;
  taskRun: string;
  task: string;
  step: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LiveTaskRun {
  plan: TaskRunPlan;
  root: string;
  steps: ResolvedStep[];
  agents: StepAgents;
  facts: StepFacts[];
  startedAt: number;
  /**
   * Every process of the task run was born after this pid: its end's sweep reads only the processes
   * born since it started. (Since the runtime started, it read hundreds on a busy machine for each
   * task run of a long chain: tens of ms a task run.)
   */
  bornAfter: number | undefined;
  /** Steps whose end is being recorded (a child may report both 'error' and 'close'). */
  ending: Set<number>;
  cancel?: CancelReason;
  sidecar?: LogShipping;
  killTimers: NodeJS.Timeout[];
  /** Tekton's sidecars, stopped once the steps have ended. */
  sidecars?: HostSidecars;
}
