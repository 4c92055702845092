import type { z } from 'zod';
import type { ToolError } from './tool-result.js';

export type ToolInputValidation =
  { ok: true; value: Record<string, unknown> } | { ok: false; error: ToolError };

/**
 * Validates model arguments against a tool's zod schema. A mismatch is an `invalid_input`
 * tool error the model can act on, not an exception.
 */
export function validateToolInput(
  schema: z.ZodType<Record<string, unknown>>,
  input: unknown,
  toolName: string,
): ToolInputValidation {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  const details = parsed.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  return {
    ok: false,
    error: {
      kind: 'invalid_input',
      message: `invalid arguments for ${toolName}: ${details}`,
      canRetry: true,
    },
  };
}
