// JSON merge patch (RFC 7386) and JSON patch (RFC 6902) for the in-test API server.

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

export function applyJsonPatch(target: Json, ops: JsonPatchOp[]): Json {
  if (!Array.isArray(ops)) throw new Error('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const op of ops) {
    const path = parsePointer(op.path);
    if (path.length === 0) {
      if (op.op === 'test') continue;
      doc = structuredClone(op.value);
      continue;
    }
    const parent = resolve(doc, path.slice(0, -1), op.path);
    const last = path[path.length - 1];
    const isArray = Array.isArray(parent);
    const index = isArray ? (last === '-' ? parent.length : Number(last)) : -1;
    if (isArray && (!Number.isInteger(index) || index < 0 || index > parent.length))
      throw new Error(`JSON patch: bad array index in ${op.path}`);
    switch (op.op) {
      case 'add':
        if (isArray) parent.splice(index, 0, structuredClone(op.value));
        else (parent as Record<string, Json>)[last] = structuredClone(op.value);
        break;
      case 'replace':
      case 'remove': {
        const exists = isArray ? index < parent.length : Object.hasOwn(parent as object, last);
        if (!exists) throw new Error(`JSON patch: ${op.op} of missing ${op.path}`);
        if (op.op === 'remove') {
          if (isArray) parent.splice(index, 1);
          else delete (parent as Record<string, Json>)[last];
        } else if (isArray) parent[index] = structuredClone(op.value);
        else (parent as Record<string, Json>)[last] = structuredClone(op.value);
        break;
      }
      case 'test': {
        const cur = isArray ? parent[index] : (parent as Record<string, Json>)[last];
        if (JSON.stringify(cur) !== JSON.stringify(op.value)) throw new Error(`JSON patch: test failed at ${op.path}`);
        break;
      }
      default:
        throw new Error(`JSON patch: unsupported op ${(op as { op: string }).op}`);
    }
  }
  return doc;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON patch: path "${pointer}" must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolve(doc: Json, path: string[], full: string): Json[] | Record<string, Json> {
  let cur: Json = doc;
  for (const p of path) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new Error(`JSON patch: ${full} has no parent`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new Error(`JSON patch: ${full} has no parent`);
  return cur;
}
