import { nearest } from './nearest.js';
import { visibleControls } from './visible.js';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';

/** One schema violation: where (JSON pointer), what, and whether the key itself is at fault. */
export interface SchemaError {
  pointer: string;
  message: string;
  atKey: boolean;
}

// Made on first use: node:module is not in Node.js's start-up snapshot, and lint needs no schema.
let load: NodeRequire | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** Validates data against a JSON Schema with ajv (all errors), with messages fit for a person. */
export function validateAgainst(schema: object, data: unknown): SchemaError[] {
  let validate = compiled.get(schema);
  if (!validate) {
    // ajv is CommonJS; require() avoids the default-export interop of its typings.
    const Ajv = (load ??= createRequire(import.meta.url))('ajv') as typeof import('ajv').default;
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => describe(e, schema));
}

function describe(e: ErrorObject, schema: object): SchemaError {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    const allowed = Object.keys(propertiesAt(schema, e.schemaPath) ?? {});
    const near = nearest(key, allowed);
    // A quoted YAML key may hold a newline: the message stays one line.
    return { pointer: `${e.instancePath}/${key}`, message: `unknown key "${clipped(visibleControls(key))}"${near ? ` (did you mean "${near}"?)` : allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`, atKey: true };
  }
  if (e.keyword === 'enum') return { pointer: e.instancePath, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`, atKey: false };
  if (e.keyword === 'propertyNames') return { pointer: `${e.instancePath}/${String(params.propertyName)}`, message: `invalid key "${clipped(visibleControls(String(params.propertyName)))}"`, atKey: true };
  return { pointer: e.instancePath, message: e.message ?? e.keyword, atKey: false };
}

/** A key quoted in a message, shortened when long. */
function clipped(s: string): string {
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** The `properties` object next to the schema location of an additionalProperties error. */
function propertiesAt(schema: object, schemaPath: string): Record<string, unknown> | undefined {
  const parts = schemaPath.replace(/^#\//, '').split('/').slice(0, -1);
  let node: unknown = schema;
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  return (node as { properties?: Record<string, unknown> } | undefined)?.properties;
}

