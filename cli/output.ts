// `-o json|yaml|name|wide` for every command that lists or shows something (`--json` stays as
// `-o json`). One place renders tables so every listing lines up the same way.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from '../contract/index.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputFlags {
  output?: string;
  json?: boolean;
}

export function withOutputOption(cmd: Command, what: string): Command {
  return cmd
    .option('-o, --output <format>', `print ${what} as json, yaml, name (one name a line) or wide (more columns)`)
    .option('--json', 'the same as -o json');
}

export function outputFormat(f: OutputFlags): OutputFormat {
  if (f.json) return 'json';
  if (f.output === undefined) return 'table';
  const format = f.output.toLowerCase() as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format))
    throw new UsageError(`-o ${f.output}: not an output format`, `give one of: ${OUTPUT_FORMATS.join(', ')}`);
  return format;
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map(
      (row) =>
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd() + '\n',
    )
    .join('');
}

export interface Renderers<T> {
  name: (item: T) => string;
  /** The default view (`wide` true for -o wide). */
  text: (items: T[], wide: boolean) => string;
}

/** A listing in the chosen format; `data` is what json and yaml print (default: the items). */
export function render<T>(format: OutputFormat, items: T[], r: Renderers<T>, data: unknown = items): string {
  switch (format) {
    case 'json':
      return JSON.stringify(data, null, 2) + '\n';
    case 'yaml':
      return stringify(data);
    case 'name':
      return items.map((i) => r.name(i) + '\n').join('');
    default:
      return r.text(items, format === 'wide');
  }
}
