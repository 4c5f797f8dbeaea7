// `kiln graph FILE… [--format text|dot|mermaid]`: the pipeline's task graph.
import { Option, type Command } from 'commander';
import { GRAPH_FORMATS, type GraphFormat, loadPipelineFiles, renderGraph } from '../../syntax/index.js';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('print the task graph of a pipeline: levels and arrows, DOT or Mermaid')
    .argument('<files...>', 'pipeline files (one pipeline; Tekton documents may be split over several)')
    .addOption(new Option('--format <format>', 'output format').choices(GRAPH_FORMATS).default('text'))
    .action((files: string[], flags: { format: GraphFormat }) => {
      process.stdout.write(renderGraph(loadPipelineFiles(files).pipeline, flags.format));
    });
}
