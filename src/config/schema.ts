import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schemaJson from '../../schemas/config.schema.json';

/** The config JSON Schema: single source of truth for validation, defaults, hover, completion and docs. */
export const configSchema: SchemaNode = schemaJson as unknown as SchemaNode;

export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  enumDescriptions?: string[];
  default?: unknown;
  examples?: unknown[];
  markdownDescription?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  /** The message when `pattern` fails: `{path}`, `{value}` and `{key}` are filled in. */
  patternMessage?: string;
  maxLength?: number;
  propertyNames?: SchemaNode;
  minLength?: number;
}

let compiled: ValidateFunction | undefined;

/** Compiled once, on first use. */
export function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    ajv.addVocabulary(['markdownDescription', 'enumDescriptions', 'patternMessage']);
    compiled = ajv.compile(schemaJson);
  }
  return compiled;
}

export type SchemaError = ErrorObject;

/** The schema node describing a key path (array indexes step into `items`). */
export function schemaAt(path: readonly (string | number)[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = configSchema;
  for (const seg of path) {
    if (!node) return undefined;
    if (typeof seg === 'number') node = node.items;
    else if (node.properties?.[seg]) node = node.properties[seg];
    else if (node.type === 'array' && /^\d+$/.test(seg)) node = node.items;
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties;
    else return undefined;
  }
  return node;
}

/** The default a key takes when omitted, as the schema says. */
export function schemaDefault<T>(path: readonly string[]): T {
  const node = schemaAt(path);
  if (!node || node.default === undefined) throw new Error(`schema has no default for ${path.join('.')}`);
  return node.default as T;
}
