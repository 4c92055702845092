import type { WireParameter, WireValueSchema } from './wire-types.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkScalar(
  type: string,
  value: unknown,
  enumeration: string[] | undefined,
  path: string,
): string | undefined {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return `${path}: expected a string`;
      if (enumeration && !enumeration.includes(value))
        return `${path}: expected one of ${enumeration.join(', ')}`;
      return undefined;
    case 'integer':
      return Number.isInteger(value) ? undefined : `${path}: expected an integer`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${path}: expected a number`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${path}: expected a boolean`;
    case 'json':
      return undefined;
    default:
      return undefined;
  }
}

function checkObject(
  properties: Record<string, WireValueSchema>,
  requiredKeys: string[] | undefined,
  value: unknown,
  path: string,
): string | undefined {
  if (!isObject(value)) return `${path}: expected an object`;
  for (const [key, schema] of Object.entries(properties)) {
    const field = value[key];
    const required = requiredKeys ? requiredKeys.includes(key) : !schema.nullable;
    if (field === undefined || field === null) {
      if (field === null && schema.nullable) continue;
      if (required && field === undefined) return `${path}.${key}: is required`;
      if (field === null) return `${path}.${key}: must not be null`;
      continue;
    }
    const problem = checkValue(schema, field, `${path}.${key}`);
    if (problem) return problem;
  }
  const unknown = Object.keys(value).find((key) => !(key in properties));
  return unknown === undefined ? undefined : `${path}.${unknown}: unknown field`;
}

/** Checks `value` against a value schema; returns the first problem, or undefined. */
export function checkValue(schema: WireValueSchema, value: unknown, path: string): string | undefined {
  if (schema.val_type === 'array') {
    if (!Array.isArray(value)) return `${path}: expected an array`;
    for (const [index, item] of value.entries()) {
      const problem =
        schema.inner_val_type === 'json' && schema.inner_properties
          ? checkObject(schema.inner_properties, schema.inner_required_keys, item, `${path}[${index}]`)
          : checkScalar(schema.inner_val_type ?? 'json', item, schema.enum, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (schema.val_type === 'json' && schema.properties) {
    return checkObject(schema.properties, schema.required_keys, value, path);
  }
  if (schema.val_type === 'json' && !isObject(value)) return `${path}: expected an object`;
  return checkScalar(schema.val_type, value, schema.enum, path);
}

/**
 * Validates tool input against its parameters, as the engine does before running a tool
 * (`TOOL_RUNTIME_BAD_INPUT_VALUE` on a mismatch). A `null` optional parameter counts as absent;
 * an unknown parameter is rejected (the engine's exact behaviour there is not documented).
 */
export function checkToolInput(parameters: readonly WireParameter[], input: unknown): string | undefined {
  if (!isObject(input)) return 'input: expected an object';
  for (const parameter of parameters) {
    const value = input[parameter.name];
    if (value === undefined || value === null) {
      if (parameter.required) return `${parameter.name}: is required`;
      continue;
    }
    const problem = checkValue(parameter.value_schema, value, parameter.name);
    if (problem) return problem;
  }
  const names = new Set(parameters.map((parameter) => parameter.name));
  const unknown = Object.keys(input).find((key) => !names.has(key));
  return unknown === undefined ? undefined : `${unknown}: unknown parameter`;
}
