// Every `kiln` sub-command registers itself here: one module per command.
import type { Command } from 'commander';
import { registerApply } from './apply.js';
import { registerApprove } from './approve.js';
import { registerCancel } from './cancel.js';
import { registerCollector } from './collector.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerController } from './controller.js';
import { registerExport } from './export.js';
import { registerGet } from './get.js';
import { registerGraph } from './graph.js';
import { registerLogs } from './logs.js';
import { registerRender } from './render.js';
import { registerRerun } from './rerun.js';
import { registerRun } from './run.js';
import { registerRuns } from './runs.js';
import { registerSearch } from './search.js';
import { registerTemplates } from './templates.js';
import { registerToken } from './token.js';
import { registerValidate } from './validate.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerCollector,
  registerRun,
  registerRuns,
  registerLogs,
  registerGet,
  registerCancel,
  registerRerun,
  registerApprove,
  registerToken,
  registerSearch,
  registerValidate,
  registerGraph,
  registerRender,
  registerApply,
  registerExport,
  registerController,
  registerTemplates,
  registerCompletion,
  registerConfig,
];
