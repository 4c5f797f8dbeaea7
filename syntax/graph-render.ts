// `kiln graph`: the DAG as text (levels and arrows, as a Tekton user would draw it), DOT or Mermaid.
import type { PipelineSpec } from './model.js';
import { buildGraph, topologicalLevels, type PipelineGraph } from './graph.js';

export const GRAPH_FORMATS = ['text', 'dot', 'mermaid'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

function renderText(pipeline: PipelineSpec, graph: PipelineGraph): string {
  const lines = [`pipeline ${pipeline.name}: ${graph.tasks.length} tasks, ${graph.finally.length} finally`];
  topologicalLevels(graph).forEach((level, i) => lines.push(`level ${i}: ${level.join(', ')}`));
  for (const e of graph.edges) lines.push(`${e.from} -> ${e.to}${e.via === 'result' ? ' (result)' : ''}`);
  if (graph.finally.length) lines.push(`finally: ${graph.finally.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** DOT and Mermaid want identifiers; task names have "-", so quote (DOT) or map to ids (Mermaid). */
function renderDot(pipeline: PipelineSpec, graph: PipelineGraph): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(pipeline.name)} {`, '  rankdir=LR;'];
  for (const t of graph.tasks) lines.push(`  ${q(t)};`);
  for (const e of graph.edges)
    lines.push(`  ${q(e.from)} -> ${q(e.to)}${e.via === 'result' ? ' [style=dashed]' : ''};`);
  if (graph.finally.length) {
    lines.push('  subgraph cluster_finally {', '    label="finally";');
    for (const t of graph.finally) lines.push(`    ${q(t)} [shape=box];`);
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function renderMermaid(graph: PipelineGraph): string {
  const id = new Map([...graph.tasks, ...graph.finally].map((t, i) => [t, `t${i}`]));
  const node = (t: string) => `${id.get(t)}["${t}"]`;
  const lines = ['flowchart LR'];
  for (const t of graph.tasks) lines.push(`  ${node(t)}`);
  for (const e of graph.edges) lines.push(`  ${id.get(e.from)} ${e.via === 'result' ? '-.->' : '-->'} ${id.get(e.to)}`);
  if (graph.finally.length) {
    lines.push('  subgraph finally');
    for (const t of graph.finally) lines.push(`    ${node(t)}`);
    lines.push('  end');
  }
  return lines.join('\n') + '\n';
}

export function renderGraph(pipeline: PipelineSpec, format: GraphFormat): string {
  const graph = buildGraph(pipeline);
  if (format === 'dot') return renderDot(pipeline, graph);
  if (format === 'mermaid') return renderMermaid(graph);
  return renderText(pipeline, graph);
}
