// What validation needs beyond the model: where each string and each `needs` item was written,
// and which names a reference may use there. Readers of both syntaxes record these as they go.
import type { ParamType, SourcePos } from './model.js';

/** The names a reference may use at one place of the pipeline. */
export interface RefScope {
  /** Visible params and their types. */
  params: ReadonlyMap<string, ParamType>;
  /** The keys (`properties`) of the enclosing task's declared object params, where declared. */
  paramKeys?: ReadonlyMap<string, readonly string[]>;
  /** Results of the enclosing task (`$(results.r.path)`); undefined: not inside a task's steps. */
  results?: ReadonlySet<string>;
  /** Workspaces of the enclosing task; undefined: not inside a task's steps. */
  workspaces?: ReadonlySet<string>;
  /** A pipeline task's inputs (params, `when`, matrix): the pipeline's workspaces, for `$(workspaces.w.bound)`. */
  pipelineWorkspaces?: ReadonlySet<string>;
  /** `$(tasks.t.results.r)` may be used here. */
  taskResults: boolean;
  /** Inside a finally task: `$(tasks.t.status)` and `$(tasks.status)` may be used. */
  finally: boolean;
  /** Read once the whole run has ended (pipeline results): finally tasks' results may be named too. */
  afterRun?: boolean;
  matrix: ReadonlySet<string>;
  /** The pipeline task this text belongs to. */
  task?: string;
}

/** The scope of a declaration (a param's default): no reference is in view. */
export const declarationScope = (): RefScope => ({
  params: new Map(),
  taskResults: false,
  finally: false,
  matrix: new Set(),
});

export interface TextSite {
  text: string;
  pos: SourcePos;
  /** Position of character i of `text`, when it can be known exactly. */
  posOf?: (i: number) => SourcePos;
  scope: RefScope;
  /** Written in a Tekton document: what Tekton leaves as written is a warning, not an error. */
  tekton?: boolean;
}

export interface NeedSite {
  task: string;
  target: string;
  pos: SourcePos;
  /** How the user spelled it: needs, runAfter, from. */
  key: string;
}

export class Sites {
  readonly texts: TextSite[] = [];
  readonly needs: NeedSite[] = [];
  /** Tasks whose definition could not be read (already reported): their results are unknown. */
  readonly unresolved = new Set<string>();

  text(
    text: string | undefined,
    pos: SourcePos,
    scope: RefScope,
    posOf?: (i: number) => SourcePos,
    tekton = false,
  ): void {
    if (text === undefined || !text.includes('$(')) return;
    this.texts.push({ text, pos, scope, ...(posOf ? { posOf } : {}), ...(tekton && { tekton }) });
  }
}
