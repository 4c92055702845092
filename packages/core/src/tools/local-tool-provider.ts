import { z } from 'zod';
import { AbortedError } from '../errors.js';
import { parseInput, parseOptions } from '../validation.js';
import type { Clock } from '../clock.js';
import { isInToolkits, type ToolBehavior, type ToolDefinition } from './tool-definition.js';
import { ToolExecutionError } from './tool-execution-error.js';
import { ToolGovernance, type ToolGovernanceSettings } from './tool-governance.js';
import {
  executeToolRequestSchema,
  listToolsRequestSchema,
  type ExecuteToolRequest,
  type ListToolsRequest,
  type ToolProvider,
} from './tool-provider.js';
import type { ToolResult } from './tool-result.js';
import { validateToolInput } from './validate-tool-input.js';

/** Trusted context handed to a local tool: who it runs for. Never derived from model arguments. */
export interface LocalToolContext {
  userId: string;
  tenantId: string | undefined;
  idempotencyKey: string | undefined;
  toolCallId: string | undefined;
  runId: string | undefined;
  signal: AbortSignal | undefined;
}

export interface LocalTool<Schema extends z.ZodObject = z.ZodObject> {
  /** Model-facing name: letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  description: string;
  /** Input schema; its `.describe()` texts reach the model through the JSON schema. */
  input: Schema;
  toolkit?: string;
  version?: string;
  /** @default {} (unknown behaviour counts as a write for approvals) */
  behavior?: ToolBehavior;
  /** Runs the tool. Throw `ToolExecutionError` for a typed failure the model should see. */
  execute(input: z.output<Schema>, context: LocalToolContext): unknown;
}

/** Identity function that keeps the input type of `execute` tied to the schema. */
export function defineLocalTool<Schema extends z.ZodObject>(tool: LocalTool<Schema>): LocalTool {
  return tool as unknown as LocalTool;
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const localToolProviderOptionsSchema = z.object({
  /** @default 'local' */
  name: z.string().min(1).default('local'),
  tools: z
    .array(
      z.object({
        name: z.string().regex(TOOL_NAME, 'must match ^[A-Za-z0-9_-]{1,64}$'),
        description: z.string(),
        input: z.custom<z.ZodObject>((value) => value instanceof z.ZodObject, 'must be a zod object schema'),
        execute: z.custom<LocalTool['execute']>((value) => typeof value === 'function', 'must be a function'),
      }),
    )
    .refine(
      (tools) => new Set(tools.map((tool) => tool.name)).size === tools.length,
      'tool names must be unique',
    ),
});

export interface LocalToolProviderOptions extends ToolGovernanceSettings {
  /** @default 'local' */
  name?: string;
  tools: LocalTool[];
  /** @default systemClock */
  clock?: Clock;
}

/** Tools implemented as functions in this process, described with zod. */
export class LocalToolProvider implements ToolProvider {
  readonly name: string;
  private readonly tools = new Map<string, { tool: LocalTool; definition: ToolDefinition }>();
  private readonly governance: ToolGovernance;

  constructor(options: LocalToolProviderOptions) {
    this.name = parseOptions(localToolProviderOptionsSchema, options, { what: 'LocalToolProvider' }).name;
    this.governance = new ToolGovernance({ ...options, provider: this.name });
    for (const tool of options.tools) {
      this.tools.set(tool.name, { tool, definition: this.toDefinition(tool) });
    }
  }

  private toDefinition(tool: LocalTool): ToolDefinition {
    const { $schema: _dialect, ...inputJsonSchema } = z.toJSONSchema(tool.input, {
      io: 'input',
      unrepresentable: 'any',
    });
    return {
      name: tool.name,
      qualifiedName: tool.name,
      provider: this.name,
      ...(tool.toolkit !== undefined ? { toolkit: tool.toolkit } : {}),
      ...(tool.version !== undefined ? { version: tool.version } : {}),
      description: tool.description,
      inputJsonSchema,
      inputZodSchema: tool.input as unknown as z.ZodType<Record<string, unknown>>,
      requirements: {},
      behavior: tool.behavior ?? {},
      requiresApproval: false,
    };
  }

  async listTools(request: ListToolsRequest): Promise<ToolDefinition[]> {
    const parsed = parseInput(listToolsRequestSchema, request, {
      what: 'listTools request',
      driver: this.name,
    });
    const candidates = [...this.tools.values()]
      .map((entry) => entry.definition)
      .filter((tool) => isInToolkits(tool, parsed.toolkits));
    return this.governance.filterTools(candidates, parsed);
  }

  async execute(request: ExecuteToolRequest): Promise<ToolResult> {
    const parsed = parseInput(executeToolRequestSchema, request, {
      what: 'execute request',
      driver: this.name,
    });
    const entry = this.tools.get(parsed.toolName);
    return this.governance.execute(parsed, entry?.definition, async (definition) => {
      const validation = validateToolInput(
        definition.inputZodSchema,
        { ...parsed.input, ...parsed.trustedInput },
        definition.name,
      );
      if (!validation.ok) return this.governance.errorResult(definition.name, validation.error);
      if (parsed.signal?.aborted) {
        throw new AbortedError(`call to ${definition.name} aborted`, { driver: this.name });
      }
      try {
        const output = await entry!.tool.execute(validation.value, {
          userId: parsed.userId,
          tenantId: parsed.tenantId,
          idempotencyKey: parsed.idempotencyKey,
          toolCallId: parsed.toolCallId,
          runId: parsed.runId,
          signal: parsed.signal,
        });
        return { provider: this.name, toolName: definition.name, status: 'success', output };
      } catch (error) {
        if (parsed.signal?.aborted) {
          throw new AbortedError(`call to ${definition.name} aborted`, {
            driver: this.name,
            cause: error,
          });
        }
        if (error instanceof ToolExecutionError) {
          return this.governance.errorResult(definition.name, error.toToolError());
        }
        // An unexpected exception may carry internals: the model gets a generic message.
        return this.governance.errorResult(definition.name, {
          kind: 'fatal',
          message: `${definition.name} failed`,
          canRetry: false,
          developerMessage: error instanceof Error ? error.message : String(error),
        });
      }
    });
  }
}
