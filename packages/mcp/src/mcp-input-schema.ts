import { z } from 'zod';
import type { JsonSchema } from '@tristack/core';

type Schema = { [keyword: string]: unknown };

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function scalarOf(type: string, schema: Schema): z.ZodType {
  switch (type) {
    case 'string': {
      let zod = z.string();
      if (typeof schema.minLength === 'number') zod = zod.min(schema.minLength);
      if (typeof schema.maxLength === 'number') zod = zod.max(schema.maxLength);
      return zod;
    }
    case 'integer':
    case 'number': {
      let zod = type === 'integer' ? z.number().int() : z.number();
      if (typeof schema.minimum === 'number') zod = zod.min(schema.minimum);
      if (typeof schema.maximum === 'number') zod = zod.max(schema.maximum);
      return zod;
    }
    case 'boolean':
      return z.boolean();
    case 'null':
      return z.null();
    case 'array':
      return z.array(isSchema(schema.items) ? convertJsonSchema(schema.items) : z.unknown());
    case 'object':
      return objectOf(schema);
    default:
      // An unknown type accepts anything rather than failing the whole listing (the server validates).
      return z.unknown();
  }
}

function enumOf(values: unknown[]): z.ZodType {
  if (values.length > 0 && values.every((value) => typeof value === 'string')) {
    return z.enum(values as [string, ...string[]]);
  }
  const literals = values.filter(
    (value): value is string | number | boolean | null =>
      value === null || ['string', 'number', 'boolean'].includes(typeof value),
  );
  if (literals.length === 0) return z.unknown();
  if (literals.length === 1) return z.literal(literals[0]!);
  return z.union(
    literals.map((value) => z.literal(value)) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]],
  );
}

/**
 * A property that may be left out. Models often send `null` for "not given", so null is accepted
 * and dropped (the server gets no key) unless the property admits null, where null is a value:
 * the same rule as the Arcade bridge.
 */
function field(schema: Schema, required: boolean): z.ZodType {
  const converted = describe(convertJsonSchema(schema), schema);
  if (admitsNull(schema)) return required ? converted : converted.optional();
  if (required) return converted;
  return converted.nullish().transform((value) => value ?? undefined);
}

function admitsNull(schema: Schema): boolean {
  if (schema.type === 'null') return true;
  if (Array.isArray(schema.type) && schema.type.includes('null')) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  return branches?.some((branch) => isSchema(branch) && admitsNull(branch)) ?? false;
}

function describe(zod: z.ZodType, schema: Schema): z.ZodType {
  return typeof schema.description === 'string' && schema.description
    ? zod.describe(schema.description)
    : zod;
}

function objectOf(schema: Schema): z.ZodType {
  if (!isSchema(schema.properties)) return z.record(z.string(), z.unknown());
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  // No prototype: a property named `__proto__` or `constructor` is a property like any other.
  const shape: Record<string, z.ZodType> = Object.create(null) as Record<string, z.ZodType>;
  for (const [name, property] of Object.entries(schema.properties)) {
    shape[name] = isSchema(property) ? field(property, required.has(name)) : z.unknown().optional();
  }
  // Undeclared keys are stripped, never forwarded (a model cannot smuggle parameters).
  return z.object(shape);
}

/**
 * Converts one JSON Schema (the subset MCP servers publish: types, nested objects, arrays, enums,
 * `const`, `anyOf`/`oneOf`, nullable types) to zod. What it does not understand (`$ref`, `allOf`,
 * formats) accepts any value: the server still validates its own input.
 */
export function convertJsonSchema(schema: Schema): z.ZodType {
  if ('const' in schema) return enumOf([schema.const]);
  if (Array.isArray(schema.enum)) return enumOf(schema.enum);
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  if (branches) {
    const converted = branches.filter(isSchema).map((branch) => convertJsonSchema(branch));
    if (converted.length === 0) return z.unknown();
    if (converted.length === 1) return converted[0]!;
    return z.union(converted as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type): type is string => typeof type === 'string');
    const converted = types.filter((type) => type !== 'null').map((type) => scalarOf(type, schema));
    const base =
      converted.length === 0
        ? z.null()
        : converted.length === 1
          ? converted[0]!
          : z.union(converted as [z.ZodType, z.ZodType, ...z.ZodType[]]);
    return types.includes('null') && converted.length > 0 ? base.nullable() : base;
  }
  if (typeof schema.type === 'string') return scalarOf(schema.type, schema);
  if (isSchema(schema.properties)) return objectOf(schema);
  return z.unknown();
}

export interface ConvertedMcpInputSchema {
  jsonSchema: JsonSchema;
  zodSchema: z.ZodType<Record<string, unknown>>;
}

/** A tool's `inputSchema` (always an object schema in MCP) as the model sees it and as zod. */
export function convertMcpInputSchema(inputSchema: Schema): ConvertedMcpInputSchema {
  const jsonSchema: JsonSchema = { ...inputSchema, type: 'object' };
  // `required` names only declared properties (a `__proto__` property never survives JSON parsing
  // into a plain object, so it must not stay required either).
  if (Array.isArray(inputSchema.required)) {
    const properties = isSchema(inputSchema.properties) ? inputSchema.properties : {};
    jsonSchema.required = inputSchema.required.filter(
      (name): name is string => typeof name === 'string' && Object.hasOwn(properties, name),
    );
  }
  return {
    jsonSchema,
    zodSchema: objectOf(jsonSchema) as unknown as z.ZodType<Record<string, unknown>>,
  };
}
