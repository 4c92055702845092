import type { WireToolDefinition } from './wire-types.js';

const BOOLEAN_FIELDS = ['read_only', 'destructive', 'idempotent', 'open_world'] as const;

function matchesArray(actual: readonly string[], condition: unknown): boolean {
  const have = new Set(actual.map((item) => item.toLowerCase()));
  const lower = (values: unknown) =>
    Array.isArray(values) ? values.map((value) => String(value).toLowerCase()) : [];
  if (Array.isArray(condition)) return lower(condition).some((value) => have.has(value));
  const operators = (condition ?? {}) as { any_of?: unknown; all_of?: unknown; none_of?: unknown };
  if (operators.any_of !== undefined && !lower(operators.any_of).some((value) => have.has(value)))
    return false;
  if (operators.all_of !== undefined && !lower(operators.all_of).every((value) => have.has(value)))
    return false;
  if (operators.none_of !== undefined && lower(operators.none_of).some((value) => have.has(value)))
    return false;
  return true;
}

/**
 * The `filter` query of `/v1/tools`: boolean behaviour fields, `service_domains` and
 * `operations` (a shorthand array = any of, or `{any_of|all_of|none_of}`, case-insensitive),
 * and `extras` as a case-sensitive subset match.
 */
export function matchesMetadataFilter(tool: WireToolDefinition, filter: unknown): boolean {
  const wanted = (filter ?? {}) as Record<string, unknown>;
  const behavior = tool.metadata?.behavior ?? {};
  for (const field of BOOLEAN_FIELDS) {
    if (typeof wanted[field] === 'boolean' && (behavior[field] ?? false) !== wanted[field]) return false;
  }
  if (wanted.service_domains !== undefined) {
    if (!matchesArray(tool.metadata?.classification?.service_domains ?? [], wanted.service_domains))
      return false;
  }
  if (wanted.operations !== undefined && !matchesArray(behavior.operations ?? [], wanted.operations))
    return false;
  if (typeof wanted.extras === 'object' && wanted.extras !== null) {
    const extras = tool.metadata?.extras ?? {};
    for (const [key, value] of Object.entries(wanted.extras)) {
      if (JSON.stringify(extras[key]) !== JSON.stringify(value)) return false;
    }
  }
  return true;
}
