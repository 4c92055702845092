import { z } from 'zod';
import type { Arcade } from '@arcadeai/arcadejs';
import type { JsonSchema } from '@tristack/core';

/**
 * `ValueSchema` as newer engines send it: the client's type only declares `val_type`,
 * `inner_val_type` and `enum`; structured `json` values add the rest.
 */
export interface ArcadeValueSchema extends Arcade.ValueSchema {
  properties?: Record<string, ArcadeValueSchema>;
  required_keys?: string[];
  inner_properties?: Record<string, ArcadeValueSchema>;
  inner_required_keys?: string[];
  nullable?: boolean;
  description?: string;
}

interface Converted {
  json: JsonSchema;
  zod: z.ZodType;
}

function scalar(type: string | undefined, enumeration: string[] | undefined): Converted {
  switch (type) {
    case 'string':
      return enumeration?.length
        ? { json: { type: 'string', enum: enumeration }, zod: z.enum(enumeration as [string, ...string[]]) }
        : { json: { type: 'string' }, zod: z.string() };
    case 'integer':
      return { json: { type: 'integer' }, zod: z.number().int() };
    case 'number':
      return { json: { type: 'number' }, zod: z.number() };
    case 'boolean':
      return { json: { type: 'boolean' }, zod: z.boolean() };
    case 'json':
      return { json: { type: 'object' }, zod: z.record(z.string(), z.unknown()) };
    default:
      // An unknown or missing type accepts anything rather than failing the whole catalogue.
      return { json: {}, zod: z.unknown() };
  }
}

function withNull(json: JsonSchema): JsonSchema {
  if (typeof json.type !== 'string') return { anyOf: [json, { type: 'null' }] };
  return {
    ...json,
    type: [json.type, 'null'],
    ...(Array.isArray(json.enum) ? { enum: [...json.enum, null] } : {}),
  };
}

function describe(converted: Converted, description: string | undefined): Converted {
  if (!description) return converted;
  return { json: { ...converted.json, description }, zod: converted.zod.describe(description) };
}

/**
 * A field that may be left out. Models often send `null` for "not given", so null is accepted
 * and dropped (the engine gets no key) unless the field is nullable, where null is a value.
 */
function field(converted: Converted, required: boolean, nullable: boolean): Converted {
  if (nullable) {
    const zod = converted.zod.nullable();
    return { json: withNull(converted.json), zod: required ? zod : zod.optional() };
  }
  if (required) return converted;
  return { json: converted.json, zod: converted.zod.nullish().transform((value) => value ?? undefined) };
}

function object(
  properties: Record<string, ArcadeValueSchema>,
  requiredKeys: string[] | undefined,
): Converted {
  const jsonProperties: Record<string, JsonSchema> = {};
  const shape: Record<string, z.ZodType> = {};
  const required: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    const isRequired = requiredKeys ? requiredKeys.includes(name) : !value.nullable;
    const converted = field(
      describe(convertValueSchema(value), value.description),
      isRequired,
      value.nullable === true,
    );
    jsonProperties[name] = converted.json;
    shape[name] = converted.zod;
    if (isRequired) required.push(name);
  }
  return {
    json: {
      type: 'object',
      properties: jsonProperties,
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    },
    zod: z.object(shape),
  };
}

/** Converts one Arcade value schema (nested objects, typed arrays, enums) to JSON Schema and zod. */
export function convertValueSchema(value: ArcadeValueSchema): Converted {
  if (value.val_type === 'array') {
    const items =
      value.inner_val_type === 'json' && value.inner_properties
        ? object(value.inner_properties, value.inner_required_keys)
        : // For arrays of scalars the engine's `enum` constrains the items.
          scalar(value.inner_val_type, value.enum);
    return { json: { type: 'array', items: items.json }, zod: z.array(items.zod) };
  }
  if (value.val_type === 'json' && value.properties) return object(value.properties, value.required_keys);
  return scalar(value.val_type, value.enum);
}

export interface ConvertedInputSchema {
  jsonSchema: JsonSchema;
  zodSchema: z.ZodType<Record<string, unknown>>;
  /** Parameters marked `inferrable: false`: hidden from the model, supplied by the application. */
  applicationParameters: string[];
}

/**
 * Converts a tool's parameters. Unlike the client's `/lib` helpers it keeps descriptions,
 * respects `inferrable`, converts nested structure, and never throws on a malformed array.
 */
export function convertInputSchema(input: Arcade.ToolDefinition.Input): ConvertedInputSchema {
  const properties: Record<string, JsonSchema> = {};
  const shape: Record<string, z.ZodType> = {};
  const required: string[] = [];
  const applicationParameters: string[] = [];
  for (const parameter of input.parameters ?? []) {
    if (parameter.inferrable === false) {
      applicationParameters.push(parameter.name);
      continue;
    }
    const value = parameter.value_schema as ArcadeValueSchema;
    const isRequired = parameter.required === true;
    const converted = field(
      describe(convertValueSchema(value), parameter.description ?? value.description),
      isRequired,
      value.nullable === true,
    );
    properties[parameter.name] = converted.json;
    shape[parameter.name] = converted.zod;
    if (isRequired) required.push(parameter.name);
  }
  return {
    jsonSchema: {
      type: 'object',
      properties,
      ...(required.length ? { required } : {}),
      additionalProperties: false,
    },
    zodSchema: z.object(shape) as unknown as z.ZodType<Record<string, unknown>>,
    applicationParameters,
  };
}
