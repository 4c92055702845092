import type { z } from 'zod';

/** A JSON Schema object (draft 2020-12 subset) describing a tool's input, as sent to a model. */
export type JsonSchema = { [keyword: string]: unknown };

/** What the tool does to the outside world; drives retries and approvals. */
export interface ToolBehavior {
  /** True when the tool only reads. Unknown (`undefined`) counts as a write for approvals. */
  readOnly?: boolean;
  /** True when the tool deletes or overwrites data. */
  destructive?: boolean;
  /** True when running the same call twice has the same effect as once: safe to retry. */
  idempotent?: boolean;
  /** True when the tool talks to systems outside the provider (the open world). */
  openWorld?: boolean;
  /** Provider-declared operations, e.g. `['create']`, `['read']`. */
  operations?: string[];
}

/** The OAuth authorization a tool needs before it can run for a user. */
export interface ToolAuthorizationRequirement {
  /** Provider of the OAuth grant, e.g. `github`, `google`, `slack`. */
  providerId: string;
  /** e.g. `oauth2`. */
  providerType?: string;
  /** Scopes the tool needs. */
  scopes: string[];
}

/** A secret (API key) the provider must hold for the tool to run. */
export interface ToolSecretRequirement {
  key: string;
  /** Whether the provider reports the secret as configured. */
  met?: boolean;
}

export interface ToolRequirements {
  authorization?: ToolAuthorizationRequirement;
  secrets?: ToolSecretRequirement[];
}

/** One tool as a model sees it, plus what the runtime needs to call it safely. */
export interface ToolDefinition {
  /** Model-facing name, unique within a provider: `^[A-Za-z0-9_-]{1,64}$` (e.g. `Github_CreateIssue`). */
  name: string;
  /** Provider-side name, e.g. `Github.CreateIssue`. Equal to `name` for local tools. */
  qualifiedName: string;
  /** Name of the `ToolProvider` that serves the tool (`arcade`, `local`, …). */
  provider: string;
  /** Group the tool belongs to (Arcade toolkit, e.g. `Github`). */
  toolkit?: string;
  /** Pinned version the calls run against. */
  version?: string;
  description: string;
  /** Input schema as JSON Schema: the parameters a model may fill in. */
  inputJsonSchema: JsonSchema;
  /** The same schema as zod; it validates (and strips unknown keys from) model arguments. */
  inputZodSchema: z.ZodType<Record<string, unknown>>;
  requirements: ToolRequirements;
  behavior: ToolBehavior;
  /**
   * True when policy requires a human to approve each call for this user. `execute` then answers
   * `approval_required` until the request carries an `approval`.
   */
  requiresApproval: boolean;
}

/** True when a tool counts as a write for approval purposes: anything not declared read-only. */
export function isWriteTool(tool: Pick<ToolDefinition, 'behavior'>): boolean {
  return tool.behavior.readOnly !== true;
}

/** True when `toolkits` is not given or names the tool's toolkit (case-insensitive). */
export function isInToolkits(
  tool: Pick<ToolDefinition, 'toolkit'>,
  toolkits: readonly string[] | undefined,
): boolean {
  return (
    toolkits === undefined ||
    toolkits.some((toolkit) => toolkit.toLowerCase() === (tool.toolkit ?? '').toLowerCase())
  );
}
