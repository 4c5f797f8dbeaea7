// Tekton's feature flags that exported documents need: Tekton gates some fields behind fields of
// its `feature-flags` ConfigMap (v1.6.0), and its webhook refuses a document using one while the
// flag is off. The export writes such fields as Kiln reads them, and says at the top which flags
// the cluster must have, and for what (docs/export.md).
import { parseReference, referencesIn } from '../syntax/index.js';

export interface TektonGate {
  /** The `feature-flags` ConfigMap key, and the value it needs. */
  flag: string;
  value: string;
  /** What needs it: `Kind/name` and the place in it. */
  uses: string[];
}

const CEL = { flag: 'enable-cel-in-whenexpression', value: 'true' };
const ARTIFACTS = { flag: 'enable-artifacts', value: 'true' };
const ALPHA = { flag: 'enable-api-fields', value: 'alpha' };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const hasCel = (item: Obj) => list(item.when).some((w) => typeof w.cel === 'string');

/** Every string of a document (keys excluded). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (isObj(v)) for (const x of Object.values(v)) strings(x, out);
  return out;
}

const ARTIFACT_KINDS = new Set(['artifactsPath', 'stepArtifact', 'taskArtifact']);
const readsArtifacts = (doc: unknown) =>
  strings(doc).some((s) => referencesIn(s).some((r) => ARTIFACT_KINDS.has(parseReference(r.expr).kind)));

/** The flags `docs` need, each with what needs it; none for documents of default Tekton. */
export function tektonGates(docs: object[]): TektonGate[] {
  const gates = new Map<string, TektonGate>();
  const need = (gate: { flag: string; value: string }, use: string) => {
    const g = gates.get(gate.flag) ?? { ...gate, uses: [] };
    if (!g.uses.includes(use)) g.uses.push(use);
    gates.set(gate.flag, g);
  };
  for (const doc of docs as Obj[]) {
    const id = `${String(doc.kind)}/${String((doc.metadata as Obj | undefined)?.name ?? '')}`;
    const spec = isObj(doc.spec) ? doc.spec : {};
    for (const t of [...list(spec.tasks), ...list(spec.finally)])
      if (hasCel(t)) need(CEL, `${id} pipeline task "${String(t.name)}"`);
    for (const s of list(spec.steps)) {
      if (hasCel(s)) need(CEL, `${id} step "${String(s.name)}"`);
      if (s.stdoutConfig || s.stderrConfig) need(ALPHA, `${id} step "${String(s.name)}": stdoutConfig/stderrConfig`);
    }
    if (readsArtifacts(doc)) need(ARTIFACTS, id);
  }
  return [...gates.values()];
}

/** The YAML comment naming the gates, or '' when there are none. */
export function gatesComment(gates: TektonGate[]): string {
  if (!gates.length) return '';
  const lines = gates.map((g) => `#   ${g.flag}: "${g.value}"  (${g.uses.join('; ')})\n`);
  return `# kiln export --to tekton: Tekton must run with these feature flags (its feature-flags ConfigMap; docs/export.md):\n${lines.join('')}`;
}
