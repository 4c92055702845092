import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolBehavior, ToolDefinition, ToolRequirements } from '@tristack/core';
import { convertMcpInputSchema } from './mcp-input-schema.js';

/** One MCP tool as a `ToolDefinition`, with the server's own tool beside it (for the call). */
export interface McpCatalogueEntry {
  definition: ToolDefinition;
  tool: Tool;
  /** Parameters the schema declares: `trustedInput` may only set these. */
  parameterNames: ReadonlySet<string>;
}

/** A model-facing name: `^[A-Za-z0-9_-]{1,64}$`, prefixed when the provider has a prefix. */
export function modelFacingName(name: string, prefix: string | undefined): string {
  const full = prefix ? `${prefix}_${name}` : name;
  return full.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || '_';
}

/**
 * MCP annotations are hints with spec defaults: not read-only, destructive unless it says
 * otherwise (only meaningful when not read-only), not idempotent, open world.
 */
export function behaviorOf(tool: Tool): ToolBehavior {
  const annotations = tool.annotations ?? {};
  const readOnly = annotations.readOnlyHint === true;
  return {
    readOnly,
    destructive: !readOnly && annotations.destructiveHint !== false,
    idempotent: readOnly || annotations.idempotentHint === true,
    openWorld: annotations.openWorldHint !== false,
  };
}

/** The audit trail's limit on a name: a longer raw name could never be recorded. */
export const MAX_RAW_TOOL_NAME_LENGTH = 1024;

/** Deepest input schema converted: a deeper one is left out rather than overflow the stack. */
export const MAX_SCHEMA_DEPTH = 64;

// Control, format (bidi overrides, zero-width) and line/paragraph separators: never in an audit record.
const UNSAFE_NAME_CHARACTERS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Why a server's tool cannot be listed, or undefined when it can. */
function unlistable(tool: Tool): string | undefined {
  if (tool.name.length > MAX_RAW_TOOL_NAME_LENGTH) {
    return `its name is longer than ${MAX_RAW_TOOL_NAME_LENGTH} characters`;
  }
  if (UNSAFE_NAME_CHARACTERS.test(tool.name)) return 'its name has control or bidirectional characters';
  if (depthOf(tool.inputSchema) > MAX_SCHEMA_DEPTH) {
    return `its input schema is nested deeper than ${MAX_SCHEMA_DEPTH} levels`;
  }
  return undefined;
}

/** Nesting depth of a JSON value, without recursion (a hostile schema may be thousands deep). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (!item || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_SCHEMA_DEPTH) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** A printable, bounded form of a raw name for a diagnostic. */
function printable(name: string): string {
  return JSON.stringify(name.slice(0, 80)).replace(/[\p{Cf}\u2028\u2029]/gu, '?');
}

/**
 * Converts a listing; a second tool whose model-facing name collides with an earlier one is left
 * out, and so is a tool whose raw name or schema is unsafe (`onDiagnostic` says which and why):
 * one hostile tool never fails the whole listing.
 */
export function toCatalogue(
  tools: readonly Tool[],
  options: {
    provider: string;
    toolkit: string;
    prefix: string | undefined;
    requirements: ToolRequirements;
    onDiagnostic: (message: string) => void;
  },
): McpCatalogueEntry[] {
  const seen = new Set<string>();
  const entries: McpCatalogueEntry[] = [];
  for (const tool of tools) {
    const skip = (reason: string) =>
      options.onDiagnostic(`${options.provider}: tool ${printable(tool.name)} is left out: ${reason}`);
    const reason = unlistable(tool);
    if (reason !== undefined) {
      skip(reason);
      continue;
    }
    const name = modelFacingName(tool.name, options.prefix);
    if (seen.has(name.toLowerCase())) continue;
    let converted;
    try {
      converted = convertMcpInputSchema(tool.inputSchema as Record<string, unknown>);
    } catch (error) {
      skip(
        `its input schema cannot be converted (${error instanceof Error ? error.message : String(error)})`,
      );
      continue;
    }
    seen.add(name.toLowerCase());
    const properties = (tool.inputSchema as { properties?: Record<string, unknown> }).properties ?? {};
    entries.push({
      tool,
      parameterNames: new Set(Object.keys(properties)),
      definition: {
        name,
        qualifiedName: tool.name,
        provider: options.provider,
        toolkit: options.toolkit,
        description: tool.description ?? tool.annotations?.title ?? tool.title ?? tool.name,
        inputJsonSchema: converted.jsonSchema,
        inputZodSchema: converted.zodSchema,
        requirements: options.requirements,
        behavior: behaviorOf(tool),
        requiresApproval: false,
      },
    });
  }
  // A raw name that is another tool's model-facing name (raw `crm_search` next to `search`, which the
  // model knows as `crm_search`) would let a call or a policy rule naming one reach the other: such a
  // tool is known by its model-facing name only.
  const modelFacing = new Set(entries.map((entry) => entry.definition.name.toLowerCase()));
  for (const entry of entries) {
    const { definition } = entry;
    if (definition.qualifiedName.toLowerCase() !== definition.name.toLowerCase()) {
      if (modelFacing.has(definition.qualifiedName.toLowerCase())) definition.qualifiedName = definition.name;
    }
  }
  return entries;
}
