import { z } from 'zod';
import { InvalidInputError, TristackError } from '../errors.js';
import { parseInput, parseOptions } from '../validation.js';
import type { ToolDefinition } from './tool-definition.js';
import {
  executeToolRequestSchema,
  waitForAuthorizationRequestSchema,
  type AuthorizationWaitResult,
  type ExecuteToolRequest,
  type ListToolsRequest,
  type ToolProvider,
  type WaitForAuthorizationRequest,
} from './tool-provider.js';
import type { ToolResult } from './tool-result.js';

const compositeOptionsSchema = z.object({
  /** @default 'composite' */
  name: z.string().min(1).default('composite'),
  providers: z
    .array(z.custom<ToolProvider>((value) => typeof (value as ToolProvider | null)?.execute === 'function'))
    .min(1)
    .refine(
      (providers) => new Set(providers.map((provider) => provider.name)).size === providers.length,
      'provider names must be unique',
    ),
});
export type CompositeToolProviderOptions = z.input<typeof compositeOptionsSchema>;

const matches = (tool: ToolDefinition, name: string): boolean =>
  tool.name.toLowerCase() === name || tool.qualifiedName.toLowerCase() === name;

/**
 * Merges several providers into one (e.g. local tools plus Arcade). Each provider keeps its own
 * policy and audit; a tool name served by two providers for the same user is a conflict.
 */
export class CompositeToolProvider implements ToolProvider {
  readonly name: string;
  private readonly providers: ToolProvider[];

  constructor(options: CompositeToolProviderOptions) {
    const parsed = parseOptions(compositeOptionsSchema, options, { what: 'CompositeToolProvider' });
    this.name = parsed.name;
    this.providers = parsed.providers;
  }

  async listTools(request: ListToolsRequest): Promise<ToolDefinition[]> {
    const lists = await Promise.all(this.providers.map((provider) => provider.listTools(request)));
    const tools = lists.flat();
    const seen = new Map<string, string>();
    for (const tool of tools) {
      const key = tool.name.toLowerCase();
      const other = seen.get(key);
      if (other !== undefined) {
        throw new TristackError(
          'CONFLICT',
          `tool ${tool.name} is served by both ${other} and ${tool.provider}`,
          {
            driver: this.name,
          },
        );
      }
      seen.set(key, tool.provider);
    }
    return tools;
  }

  async execute(request: ExecuteToolRequest): Promise<ToolResult> {
    const parsed = parseInput(executeToolRequestSchema, request, {
      what: 'execute request',
      driver: this.name,
    });
    const wanted = parsed.toolName.toLowerCase();
    const caller = { userId: parsed.userId, tenantId: parsed.tenantId, signal: parsed.signal };
    for (const provider of this.providers) {
      const tool = (await provider.listTools(caller)).find((item) => matches(item, wanted));
      if (tool) return provider.execute({ ...request, toolName: tool.name });
    }
    return {
      provider: this.name,
      toolName: parsed.toolName,
      status: 'tool_error',
      error: { kind: 'not_found', message: `no tool named ${parsed.toolName} is available`, canRetry: false },
    };
  }

  async waitForAuthorization(request: WaitForAuthorizationRequest): Promise<AuthorizationWaitResult> {
    const parsed = parseInput(waitForAuthorizationRequestSchema, request, {
      what: 'waitForAuthorization request',
      driver: this.name,
    });
    const able = this.providers.filter(
      (provider) =>
        provider.waitForAuthorization !== undefined &&
        (parsed.provider === undefined || provider.name === parsed.provider),
    );
    if (able.length !== 1) {
      throw new InvalidInputError(
        `waitForAuthorization: ${able.length === 0 ? 'no provider' : 'several providers'} can wait for this authorization; pass \`provider\``,
        { driver: this.name },
      );
    }
    return able[0]!.waitForAuthorization!(request);
  }
}
