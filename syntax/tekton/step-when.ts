// Tekton's step `when` (input/operator/values, or cel): read like a pipeline task's, in the step's
// scope. An input or value may name an earlier step's result, which the step's agent reads when
// the step starts; a CEL item is decided when the task run starts, so it may not. As Tekton does
// (it leaves the reference as written, which matches no "true"), `$(workspaces.w.bound)` of a
// workspace the task does not declare reads `false` here: no such workspace is bound.
import { readWhenCel } from '../cel-when.js';
import { readWhen, TextReader } from '../common.js';
import type { StepSpec } from '../model.js';
import { parseReference, referencesIn } from '../references.js';
import type { At } from '../yaml-source.js';

export function readStepWhen(reader: TextReader, at: At | undefined, what: string): Pick<StepSpec, 'when' | 'whenCel'> {
  if (!at) return {};
  const whenReader = new UndeclaredUnbound(reader.src, reader.sites, reader.scope);
  const when = readWhen(whenReader, at, what);
  const whenCel = readWhenCel(whenReader, at, what);
  for (const cond of whenCel) {
    const stepResult = referencesIn(cond.expression).find((r) => parseReference(r.expr).kind === 'stepResult');
    if (stepResult)
      reader.src.error(
        cond.pos ?? at.pos,
        `${what}: a CEL item cannot read a step result ($(${stepResult.expr})): Kiln decides CEL when the task run starts`,
        `write it as {input: "$(${stepResult.expr})", operator: in, values: [...]}, which the step reads when it starts`,
      );
  }
  return { ...(when.length && { when }), ...(whenCel.length && { whenCel }) };
}

const BOUND = /\$\(workspaces\.([A-Za-z0-9_][\w-]*)\.bound\)/g;

/** Reads `$(workspaces.w.bound)` of a workspace not declared in its scope as `false`. */
class UndeclaredUnbound extends TextReader {
  private unbound(text: string): string {
    const declared = this.scope.workspaces;
    return declared ? text.replace(BOUND, (ref, name: string) => (declared.has(name) ? ref : 'false')) : text;
  }

  override text(at: At | undefined, what: string): string | undefined {
    const value = this.src.string(at, what);
    if (value === undefined) return undefined;
    const read = this.unbound(value);
    this.sites.text(read, at!.pos, this.scope, this.src.textPos(at!), this.src.tekton);
    return read;
  }

  override list(at: At | undefined, what: string): string[] {
    return this.src.stringList(at, what).map(({ value, at: item }) => {
      const read = this.unbound(value);
      this.sites.text(read, item.pos, this.scope, this.src.textPos(item), this.src.tekton);
      return read;
    });
  }
}
