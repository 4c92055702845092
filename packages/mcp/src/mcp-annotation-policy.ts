import type { ToolPolicy } from '@tristack/core';

/**
 * The application's policy plus what the server's annotations ask for: a tool declared
 * destructive (MCP's default for any tool not declared read-only) needs a human's approval.
 * Annotations are hints from the server: they can add an approval, never remove a denial.
 */
export function annotationToolPolicy(
  inner: ToolPolicy | undefined,
  options: { approveDestructive: boolean },
): ToolPolicy {
  return {
    async evaluate(context) {
      const decision = inner
        ? await inner.evaluate(context)
        : { allowed: true as const, requiresApproval: false };
      if (!decision.allowed) return decision;
      return {
        allowed: true,
        requiresApproval:
          decision.requiresApproval ||
          (options.approveDestructive && context.tool.behavior.destructive === true),
      };
    },
  };
}
