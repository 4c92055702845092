import { z } from 'zod';
import { parseOptions } from '../validation.js';
import { idSchema } from '../ids.js';
import { isWriteTool, type ToolDefinition } from './tool-definition.js';

export interface ToolPolicyContext {
  userId: string;
  tenantId?: string | undefined;
  tool: ToolDefinition;
}

export type ToolPolicyDecision =
  { allowed: true; requiresApproval: boolean } | { allowed: false; reason: string };

/** Decides, per tenant and user, whether a tool may be listed and called, and whether calls need approval. */
export interface ToolPolicy {
  evaluate(context: ToolPolicyContext): ToolPolicyDecision | Promise<ToolPolicyDecision>;
}

const namesSchema = z.array(z.string().min(1)).optional();

export const toolPolicyRuleSchema = z.object({
  /** Applies only to this tenant; every tenant when omitted. */
  tenantId: idSchema.optional(),
  /** Applies only to this user; every user when omitted. */
  userId: idSchema.optional(),
  /** Only tools of these toolkits (case-insensitive). */
  allowToolkits: namesSchema,
  /** Only these tools (model-facing or qualified name, case-insensitive). */
  allowTools: namesSchema,
  /** Never these tools. */
  denyTools: namesSchema,
  /** A tool needing any OAuth scope outside this list is denied (least privilege). */
  allowedScopes: namesSchema,
  /**
   * Which calls need a human's approval: `writes` = every tool not declared read-only,
   * `destructive` = tools declared destructive. @default 'never'
   */
  approval: z.enum(['never', 'writes', 'destructive', 'always']).optional(),
  /** These tools always need approval. */
  approvalTools: namesSchema,
});
export type ToolPolicyRule = z.input<typeof toolPolicyRuleSchema>;

const staticToolPolicyOptionsSchema = z.object({
  /** Every rule whose `tenantId`/`userId` match applies; rules only narrow (allowlists intersect). */
  rules: z.array(toolPolicyRuleSchema),
});
export type StaticToolPolicyOptions = z.input<typeof staticToolPolicyOptionsSchema>;

const lower = (names: readonly string[] | undefined): Set<string> | undefined =>
  names === undefined ? undefined : new Set(names.map((name) => name.toLowerCase()));

function namesOf(tool: ToolDefinition): string[] {
  return [tool.name.toLowerCase(), tool.qualifiedName.toLowerCase()];
}

/** A policy from a fixed list of rules (configuration, not storage). */
export class StaticToolPolicy implements ToolPolicy {
  private readonly rules: z.output<typeof toolPolicyRuleSchema>[];

  constructor(options: StaticToolPolicyOptions) {
    this.rules = parseOptions(staticToolPolicyOptionsSchema, options, { what: 'StaticToolPolicy' }).rules;
  }

  evaluate({ userId, tenantId, tool }: ToolPolicyContext): ToolPolicyDecision {
    const names = namesOf(tool);
    let requiresApproval = false;
    for (const rule of this.rules) {
      if (rule.tenantId !== undefined && rule.tenantId !== tenantId) continue;
      if (rule.userId !== undefined && rule.userId !== userId) continue;
      const scope = rule.userId
        ? `user ${rule.userId}`
        : rule.tenantId
          ? `tenant ${rule.tenantId}`
          : 'default';
      const toolkits = lower(rule.allowToolkits);
      if (toolkits && !toolkits.has((tool.toolkit ?? '').toLowerCase())) {
        return {
          allowed: false,
          reason: `toolkit ${tool.toolkit ?? '(none)'} is not allowed (${scope} policy)`,
        };
      }
      const allowed = lower(rule.allowTools);
      if (allowed && !names.some((name) => allowed.has(name))) {
        return { allowed: false, reason: `tool ${tool.qualifiedName} is not allowed (${scope} policy)` };
      }
      const denied = lower(rule.denyTools);
      if (denied && names.some((name) => denied.has(name))) {
        return { allowed: false, reason: `tool ${tool.qualifiedName} is denied (${scope} policy)` };
      }
      if (rule.allowedScopes) {
        const scopes = new Set(rule.allowedScopes);
        const outside = (tool.requirements.authorization?.scopes ?? []).filter((item) => !scopes.has(item));
        if (outside.length > 0) {
          return { allowed: false, reason: `scopes ${outside.join(', ')} are not allowed (${scope} policy)` };
        }
      }
      const approvalTools = lower(rule.approvalTools);
      if (
        rule.approval === 'always' ||
        (rule.approval === 'writes' && isWriteTool(tool)) ||
        (rule.approval === 'destructive' && tool.behavior.destructive === true) ||
        (approvalTools && names.some((name) => approvalTools.has(name)))
      ) {
        requiresApproval = true;
      }
    }
    return { allowed: true, requiresApproval };
  }
}

/** The policy used when none is configured: everything allowed, no approvals. */
export const allowAllToolPolicy: ToolPolicy = {
  evaluate: () => ({ allowed: true, requiresApproval: false }),
};
