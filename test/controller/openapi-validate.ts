// A validator for the OpenAPI v3 subset Kiln's CRDs use, with the API server's meaning: type,
// properties, required, additionalProperties, items, enum, pattern, minLength/maxLength, oneOf
// (of `required` alternatives) and x-kubernetes-preserve-unknown-fields. Unknown fields are
// reported (the API server would prune them silently; a test wants to know).

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  oneOf?: Schema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  description?: string;
}

export function validate(value: unknown, schema: Schema, path = ''): string[] {
  const errors: string[] = [];
  const at = path || '<root>';
  if (schema.type && !hasType(value, schema.type)) return [`${at}: expected ${schema.type}, got ${describe(value)}`];
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      errors.push(`${at}: "${value}" does not match ${schema.pattern}`);
    if (schema.minLength !== undefined && value.length < schema.minLength)
      errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      errors.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => errors.push(...validate(v, schema.items!, `${path}[${i}]`)));
  if (isObject(value)) {
    for (const r of schema.required ?? []) if (!(r in value)) errors.push(`${at}: "${r}" is required`);
    if (schema.oneOf) {
      const matching = schema.oneOf.filter((alt) => validate(value, alt, path).length === 0).length;
      if (matching !== 1)
        errors.push(
          `${at}: must match exactly one of ${schema.oneOf.map((a) => JSON.stringify(a.required)).join(', ')} (matches ${matching})`,
        );
    }
    for (const [k, v] of Object.entries(value)) {
      const sub =
        schema.properties?.[k] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) errors.push(...validate(v, sub, path ? `${path}.${k}` : k));
      else if (
        !schema['x-kubernetes-preserve-unknown-fields'] &&
        schema.additionalProperties !== true &&
        (schema.properties || schema.additionalProperties !== undefined)
      ) {
        errors.push(`${at}: unknown field "${k}"`);
      }
    }
  }
  return errors;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hasType(v: unknown, type: NonNullable<Schema['type']>): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    default:
      return typeof v === type;
  }
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
