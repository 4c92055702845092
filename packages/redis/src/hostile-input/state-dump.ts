/**
 * Everything an in-memory driver holds, as plain data, so a test can compare it before and after a
 * rejected call (the in-memory counterpart of a Redis key dump). Maps, Sets, arrays and class
 * instances are walked; functions and runtime handles (timers, signals, promises) are skipped.
 */
const SKIPPED = new Set([
  'Timeout',
  'Immediate',
  'AbortSignal',
  'AbortController',
  'Promise',
  'WeakMap',
  'WeakSet',
]);

export function dumpState(root: unknown): unknown {
  const seen = new WeakMap<object, string>();
  // Explicit recursion limit: driver state is shallow; anything deeper is a stored value already serialised.
  const walk = (value: unknown, path: string, depth: number): unknown => {
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (value === null || typeof value !== 'object') return value;
    const kind = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
      ?.name;
    if (kind && SKIPPED.has(kind)) return `[${kind}]`;
    const earlier = seen.get(value);
    if (earlier !== undefined) return `[ref ${earlier}]`;
    seen.set(value, path);
    if (depth > 40) return '[deep]';
    if (value instanceof Map)
      return {
        map: [...value].map(([key, item], index) => [
          walk(key, `${path}<${index}k>`, depth + 1),
          walk(item, `${path}<${index}>`, depth + 1),
        ]),
      };
    if (value instanceof Set)
      return { set: [...value].map((item, index) => walk(item, `${path}{${index}}`, depth + 1)) };
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}[${index}]`, depth + 1));
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
    const result: Record<string, unknown> = kind && kind !== 'Object' ? { '@class': kind } : {};
    for (const key of Object.getOwnPropertyNames(value)) {
      const item = walk((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      if (item !== undefined) result[key] = item;
    }
    return result;
  };
  return walk(root, '$', 0);
}
