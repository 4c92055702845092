import type { WireParameter, WireToolDefinition, WireValueSchema } from './wire-types.js';

type Schema = Record<string, unknown>;

const JSON_TYPES: Record<string, string> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  json: 'object',
  array: 'array',
};

function withNull(schema: Schema): Schema {
  const type = schema.type;
  const types = Array.isArray(type) ? type : [type];
  return {
    ...schema,
    type: types.includes('null') ? types : [...types, 'null'],
    ...(Array.isArray(schema.enum) ? { enum: [...(schema.enum as unknown[]), null] } : {}),
  };
}

// Mirrors arcade-core's OpenAI converter (strict mode): every property listed in `required`,
// optional ones typed `[T, "null"]`, `additionalProperties: false` on every object.
function strictObject(
  properties: Record<string, WireValueSchema>,
  requiredKeys: string[] | undefined,
): Schema {
  const fields: Record<string, Schema> = {};
  for (const [name, field] of Object.entries(properties)) {
    let schema = strictValue(field);
    if (field.description) schema = { ...schema, description: field.description };
    const required = requiredKeys ? requiredKeys.includes(name) : !field.nullable;
    fields[name] = field.nullable || !required ? withNull(schema) : schema;
  }
  return {
    type: 'object',
    properties: fields,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

function strictValue(value: WireValueSchema): Schema {
  if (value.val_type === 'array' && value.inner_val_type) {
    if (value.inner_val_type === 'json' && value.inner_properties) {
      return { type: 'array', items: strictObject(value.inner_properties, value.inner_required_keys) };
    }
    const items: Schema = { type: JSON_TYPES[value.inner_val_type] ?? 'string' };
    if (value.enum) items.enum = value.enum;
    return { type: 'array', items };
  }
  if (value.val_type === 'json' && value.properties)
    return strictObject(value.properties, value.required_keys);
  const schema: Schema = { type: JSON_TYPES[value.val_type] ?? 'string' };
  if (value.enum) schema.enum = value.enum;
  return schema;
}

function parametersSchema(parameters: readonly WireParameter[], strict: boolean): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const parameter of parameters) {
    let schema = strictValue(parameter.value_schema);
    if (strict && !parameter.required) schema = withNull(schema);
    if (parameter.description) schema = { ...schema, description: parameter.description };
    properties[parameter.name] = schema;
    if (strict || parameter.required) required.push(parameter.name);
  }
  return {
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    ...(strict ? { additionalProperties: false } : {}),
  };
}

const formattedName = (tool: WireToolDefinition): string => `${tool.toolkit.name}_${tool.name}`;

/** The engine's `formatted_tools` shapes: `openai` (strict function) and `anthropic`. */
export function formatTool(tool: WireToolDefinition, format: string): Schema | undefined {
  const parameters = tool.input.parameters ?? [];
  const description = tool.description ?? tool.name;
  if (format === 'openai') {
    return {
      type: 'function',
      function: {
        name: formattedName(tool),
        description,
        parameters: parametersSchema(parameters, true),
        strict: true,
      },
    };
  }
  if (format === 'anthropic') {
    return { name: formattedName(tool), description, input_schema: parametersSchema(parameters, false) };
  }
  if (format === 'arcade') return tool as unknown as Schema;
  return undefined;
}
