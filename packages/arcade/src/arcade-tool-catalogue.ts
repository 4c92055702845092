import type { Arcade } from '@arcadeai/arcadejs';
import { BackendUnavailableError, type Clock } from '@tristack/core';
import type { ToolDefinition } from '@tristack/core';
import { redactUpstreamText } from './arcade-error-mapping.js';
import { convertInputSchema } from './arcade-input-schema.js';

/** A tool as the bridge keeps it: the model-facing definition plus what the Arcade calls need. */
export interface ArcadeCatalogueEntry {
  definition: ToolDefinition;
  /** Sent as `tool_name`: the dotted name (`Github.CreateIssue`). */
  qualifiedName: string;
  /** Sent as `tool_version`, so calls run the version whose schema was validated. */
  version: string | undefined;
  /** Parameters the model never sees; the application passes them as `trustedInput`. */
  applicationParameters: string[];
  parameterNames: Set<string>;
}

/** `Github` or `Github@1.0.0` (a pinned version). */
function splitVersion(name: string): { name: string; version: string | undefined } {
  const at = name.lastIndexOf('@');
  return at > 0 ? { name: name.slice(0, at), version: name.slice(at + 1) } : { name, version: undefined };
}

/** Model-facing name: `Toolkit_Tool`, limited to what every model API accepts. */
function modelName(tool: Arcade.ToolDefinition): string {
  return `${tool.toolkit.name}_${tool.name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

function toEntry(tool: Arcade.ToolDefinition, provider: string): ArcadeCatalogueEntry {
  const converted = convertInputSchema(tool.input);
  const behavior = tool.metadata?.behavior ?? {};
  const authorization = tool.requirements?.authorization;
  const providerId = authorization?.provider_id ?? authorization?.id;
  const version = tool.toolkit.version;
  const definition: ToolDefinition = {
    name: modelName(tool),
    qualifiedName: tool.qualified_name,
    provider,
    toolkit: tool.toolkit.name,
    ...(version !== undefined ? { version } : {}),
    description: tool.description ?? tool.name,
    inputJsonSchema: converted.jsonSchema,
    inputZodSchema: converted.zodSchema,
    requirements: {
      ...(providerId
        ? {
            authorization: {
              providerId,
              ...(authorization?.provider_type !== undefined
                ? { providerType: authorization.provider_type }
                : {}),
              scopes: authorization?.oauth2?.scopes ?? [],
            },
          }
        : {}),
      ...(tool.requirements?.secrets?.length
        ? { secrets: tool.requirements.secrets.map((secret) => ({ key: secret.key })) }
        : {}),
    },
    behavior: {
      ...(behavior.read_only !== undefined ? { readOnly: behavior.read_only } : {}),
      ...(behavior.destructive !== undefined ? { destructive: behavior.destructive } : {}),
      ...(behavior.idempotent !== undefined ? { idempotent: behavior.idempotent } : {}),
      ...(behavior.open_world !== undefined ? { openWorld: behavior.open_world } : {}),
      ...(behavior.operations !== undefined ? { operations: behavior.operations } : {}),
    },
    requiresApproval: false,
  };
  return {
    definition,
    qualifiedName: tool.qualified_name,
    version,
    applicationParameters: converted.applicationParameters,
    parameterNames: new Set((tool.input.parameters ?? []).map((parameter) => parameter.name)),
  };
}

export interface ArcadeToolCatalogueOptions {
  client: Arcade;
  provider: string;
  toolkits: readonly string[];
  tools: readonly string[];
  ttlMs: number;
  clock: Clock;
}

/**
 * The configured tools, fetched from Arcade (every page) and kept for `ttlMs`, so listing tools
 * is not an HTTP call per agent turn. Concurrent refreshes share one fetch; when a refresh fails
 * the previous catalogue keeps serving until the next attempt.
 */
export class ArcadeToolCatalogue {
  private entries: ArcadeCatalogueEntry[] | undefined;
  private loadedAt = 0;
  private loading: Promise<ArcadeCatalogueEntry[]> | undefined;

  constructor(private readonly options: ArcadeToolCatalogueOptions) {}

  async get(): Promise<ArcadeCatalogueEntry[]> {
    const fresh = this.entries && this.options.clock.now() - this.loadedAt < this.options.ttlMs;
    if (fresh) return this.entries!;
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    try {
      return await this.loading;
    } catch (error) {
      if (this.entries) return this.entries;
      // The upstream message may echo a credential: redact it, and keep the raw error out of
      // `cause`, which loggers print in full.
      const reason = redactUpstreamText(error instanceof Error ? error.message : String(error));
      throw new BackendUnavailableError(`could not list tools from Arcade: ${reason}`, {
        driver: this.options.provider,
      });
    }
  }

  /** Forgets the cached catalogue (e.g. after deploying new tool versions). */
  invalidate(): void {
    this.entries = undefined;
  }

  private async load(): Promise<ArcadeCatalogueEntry[]> {
    const { client, provider } = this.options;
    const byName = new Map<string, Arcade.ToolDefinition>();
    for (const toolkit of this.options.toolkits) {
      const pinned = splitVersion(toolkit);
      const query = {
        toolkit: pinned.name,
        limit: 100,
        ...(pinned.version ? { include_all_versions: true } : {}),
      };
      for await (const tool of client.tools.list(query)) {
        if (pinned.version !== undefined && tool.toolkit.version !== pinned.version) continue;
        byName.set(tool.qualified_name.toLowerCase(), tool);
      }
    }
    // Individually named tools (possibly pinned) override what their toolkit listed.
    for (const name of this.options.tools) {
      const tool = await client.tools.get(name);
      byName.set(tool.qualified_name.toLowerCase(), tool);
    }
    const entries = [...byName.values()].map((tool) => toEntry(tool, provider));
    this.entries = entries;
    this.loadedAt = this.options.clock.now();
    return entries;
  }
}
