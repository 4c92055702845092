import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
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
  /** Told when a tool is left out of the listing (two providers serve its name). @default console.warn */
  onDiagnostic: z.custom<(message: string) => void>((value) => typeof value === 'function').optional(),
});
export type CompositeToolProviderOptions = z.input<typeof compositeOptionsSchema>;

const matches = (tool: ToolDefinition, name: string): boolean =>
  tool.name.toLowerCase() === name || tool.qualifiedName.toLowerCase() === name;

/** The tools whose model-facing name no other tool shares, and the clashing names with their providers. */
function withoutClashes(tools: ToolDefinition[]): {
  tools: ToolDefinition[];
  clashes: Map<string, Set<string>>;
} {
  const owners = new Map<string, Set<string>>();
  const counts = new Map<string, number>();
  for (const tool of tools) {
    const key = tool.name.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    owners.set(key, (owners.get(key) ?? new Set()).add(tool.provider));
  }
  const clashes = new Map<string, Set<string>>();
  for (const [key, count] of counts) if (count > 1) clashes.set(key, owners.get(key)!);
  return { tools: tools.filter((tool) => !clashes.has(tool.name.toLowerCase())), clashes };
}

/**
 * Merges several providers into one (e.g. local tools plus Arcade). Each provider keeps its own
 * policy and audit; a tool name served by two providers for the same user is left out of the
 * listing (with a diagnostic) and refused by `execute`: a server publishing a colliding name can
 * neither take over another provider's tool nor break the rest of the listing.
 */
export class CompositeToolProvider implements ToolProvider {
  readonly name: string;
  private readonly providers: ToolProvider[];
  private readonly onDiagnostic: (message: string) => void;

  constructor(options: CompositeToolProviderOptions) {
    const parsed = parseOptions(compositeOptionsSchema, options, { what: 'CompositeToolProvider' });
    this.name = parsed.name;
    this.providers = parsed.providers;
    this.onDiagnostic = parsed.onDiagnostic ?? ((message) => console.warn(`[tristack] ${message}`));
  }

  async listTools(request: ListToolsRequest): Promise<ToolDefinition[]> {
    const lists = await Promise.all(this.providers.map((provider) => provider.listTools(request)));
    const { tools, clashes } = withoutClashes(lists.flat());
    for (const [name, providers] of clashes) {
      this.onDiagnostic(
        `${this.name}: tool ${name} is served by ${[...providers].join(' and ')}; it is left out (give a provider a prefix)`,
      );
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
    // Every provider is asked, by the same rule as listTools: a model-facing name two providers
    // serve is a clash and is refused, never routed to whichever provider comes first. A
    // qualified name (`whoami` on two MCP servers, each with its own prefix) must name one tool.
    const lists = await Promise.all(
      this.providers.map(async (provider) => ({ provider, tools: await provider.listTools(caller) })),
    );
    const byName: { provider: ToolProvider; tool: ToolDefinition }[] = [];
    const byQualifiedName: { provider: ToolProvider; tool: ToolDefinition }[] = [];
    for (const { provider, tools } of lists) {
      const tool = tools.find((item) => item.name.toLowerCase() === wanted);
      if (tool) byName.push({ provider, tool });
      const qualified = tools.find((item) => matches(item, wanted));
      if (qualified) byQualifiedName.push({ provider, tool: qualified });
    }
    const unrouted = (message: string, canRetry: boolean): ToolResult => ({
      provider: this.name,
      toolName: parsed.toolName,
      status: 'tool_error',
      error: { kind: 'not_found', message, canRetry },
    });
    if (byName.length > 1) {
      return unrouted(
        `${parsed.toolName} is served by ${byName.map(({ provider }) => provider.name).join(' and ')}; it is not available`,
        false,
      );
    }
    const [only] = byName.length === 1 ? byName : byQualifiedName.length === 1 ? byQualifiedName : [];
    if (only) return only.provider.execute({ ...request, toolName: only.tool.name });
    return byQualifiedName.length > 1
      ? unrouted(
          `${parsed.toolName} is ambiguous: use one of ${byQualifiedName.map(({ tool }) => tool.name).join(', ')}`,
          true,
        )
      : unrouted(`no tool named ${parsed.toolName} is available`, false);
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
