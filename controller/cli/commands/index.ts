// Every `kiln` sub-command registers itself here: one module per command.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
