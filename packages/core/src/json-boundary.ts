import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * The one check every caller-supplied JSON value passes before it is stored or sent to a script:
 * metadata, payloads, results, tool arguments, cached requests and responses. It walks the value
 * with an explicit stack (a depth of 10,000 or 1,000,000 cannot overflow the call stack), rejects
 * cycles and what JSON cannot carry faithfully, and counts the UTF-8 bytes of the serialised form
 * while walking, so a huge or exponentially shared value is refused as soon as it crosses the limit.
 */

/** Nesting allowed in metadata, content blocks and tool arguments: containers inside containers. */
export const MAX_METADATA_DEPTH = 64;
/** Nesting allowed in job payloads, results, progress reports and cached requests/responses. */
export const MAX_PAYLOAD_DEPTH = 128;
/** Size used when a caller gives none: 64 MiB of JSON. */
export const DEFAULT_MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface JsonLimits {
  /** Most containers nested inside one another (`{}` is 1, `{a:[{}]}` is 3). @default MAX_PAYLOAD_DEPTH */
  maxDepth?: number;
  /** Most UTF-8 bytes of `JSON.stringify(value)`. @default DEFAULT_MAX_JSON_BYTES */
  maxBytes?: number;
  /**
   * `drop`: object properties that are `undefined` are skipped, as JSON.stringify does.
   * `reject`: they are an error (a value that would silently vanish).
   * Array items that are `undefined` are always an error (JSON would turn them into `null`).
   * @default 'drop'
   */
  undefinedProperties?: 'drop' | 'reject';
}

export type JsonProblemKind = 'not-json' | 'circular' | 'too-deep' | 'too-large';

/** Where and why a value is not acceptable JSON. */
export interface JsonProblem {
  kind: JsonProblemKind;
  /** From the checked value's root, e.g. `['a', 'b', 3]`. */
  path: PropertyKey[];
  message: string;
}

export type JsonInspection = { ok: true; bytes: number } | { ok: false; problem: JsonProblem };

interface Frame {
  container: Record<string, unknown> | unknown[];
  /** Own enumerable keys of an object; undefined for an array. */
  keys: string[] | undefined;
  index: number;
  /** Members written so far (a comma before every one after the first). */
  written: number;
  /** Key of this container in its parent (unused for the root). */
  key: PropertyKey;
}

// Characters JSON.stringify escapes or that are not one UTF-8 byte per UTF-16 unit the simple way.
// oxlint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_CAREFUL_COUNT = /["\\\u0000-\u001f\ud800-\udfff]/;
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/** UTF-8 bytes of `JSON.stringify(text)`, quotes included. */
export function jsonStringBytes(text: string): number {
  if (!NEEDS_CAREFUL_COUNT.test(text)) return Buffer.byteLength(text, 'utf8') + 2;
  let bytes = 2;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit === 0x22 || unit === 0x5c) bytes += 2;
    else if (unit < 0x20) bytes += SHORT_ESCAPES.has(unit) ? 2 : 6;
    else if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 6; // a lone surrogate is written as \udxxx
    } else if (unit >= 0xdc00 && unit <= 0xdfff) bytes += 6;
    else bytes += 3;
  }
  return bytes;
}

function describeType(value: unknown): string {
  if (typeof value !== 'object' || value === null) return `a ${typeof value}`;
  const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  const name = prototype?.constructor?.name;
  return typeof name === 'string' && name ? `a ${name}` : 'a class instance';
}

/** Inspects `value` without throwing: its serialised size, or the first problem and where it is. */
export function inspectJsonValue(value: unknown, limits: JsonLimits = {}): JsonInspection {
  const maxDepth = limits.maxDepth ?? MAX_PAYLOAD_DEPTH;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const rejectUndefined = limits.undefinedProperties === 'reject';
  const stack: Frame[] = [];
  // Containers on the path from the root: a cycle. Shared (non-cyclic) references are fine JSON.
  const ancestors = new Set<object>();
  let bytes = 0;

  const problemAt = (
    key: PropertyKey | undefined,
    kind: JsonProblemKind,
    message: string,
  ): JsonInspection => {
    const path = stack.slice(1).map((frame) => frame.key);
    if (key !== undefined) path.push(key);
    return { ok: false, problem: { kind, path, message } };
  };
  const tooLarge = (key: PropertyKey | undefined) =>
    problemAt(key, 'too-large', `more than ${maxBytes} bytes of JSON`);

  /** Counts a scalar or opens a container; a problem, or undefined when the item is fine. */
  const enter = (item: unknown, key: PropertyKey | undefined): JsonInspection | undefined => {
    switch (typeof item) {
      case 'string':
        bytes += jsonStringBytes(item);
        break;
      case 'number':
        // JSON.stringify turns NaN and ±Infinity into null: a silent change of the value.
        if (!Number.isFinite(item)) return problemAt(key, 'not-json', `is ${item}, not a finite number`);
        bytes += String(item).length;
        break;
      case 'boolean':
        bytes += item ? 4 : 5;
        break;
      case 'object': {
        if (item === null) {
          bytes += 4;
          break;
        }
        if (ancestors.has(item)) return problemAt(key, 'circular', 'is circular (contains itself)');
        const isArray = Array.isArray(item);
        if (!isArray) {
          const prototype = Object.getPrototypeOf(item);
          // Dates, Maps, class instances… would arrive as something else (or `{}`).
          if (prototype !== Object.prototype && prototype !== null)
            return problemAt(key, 'not-json', `is ${describeType(item)}, not plain JSON`);
        }
        if (stack.length >= maxDepth)
          return problemAt(key, 'too-deep', `nests more than ${maxDepth} levels deep`);
        bytes += 2;
        if (bytes > maxBytes) return tooLarge(key);
        ancestors.add(item);
        stack.push({
          container: item as Frame['container'],
          keys: isArray ? undefined : Object.keys(item),
          index: 0,
          written: 0,
          key: key ?? '',
        });
        return undefined;
      }
      default:
        // undefined, functions, symbols and bigints have no JSON form.
        return problemAt(key, 'not-json', `is ${describeType(item)}, not JSON`);
    }
    return bytes > maxBytes ? tooLarge(key) : undefined;
  };

  try {
    const rootProblem = enter(value, undefined);
    if (rootProblem) return rootProblem;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const { container, keys } = frame;
      const length = keys ? keys.length : (container as unknown[]).length;
      if (frame.index >= length) {
        stack.pop();
        ancestors.delete(container);
        continue;
      }
      const key: PropertyKey = keys ? keys[frame.index]! : frame.index;
      frame.index++;
      const item = (container as Record<PropertyKey, unknown>)[key];
      if (item === undefined && keys) {
        if (rejectUndefined) return problemAt(key, 'not-json', 'is undefined, not JSON');
        continue;
      }
      if (frame.written++ > 0) bytes += 1;
      if (keys) bytes += jsonStringBytes(key as string) + 1;
      const problem = enter(item, key);
      if (problem) return problem;
    }
    return { ok: true, bytes };
  } catch (error) {
    // A getter or proxy trap that throws: the value cannot be read, so it cannot be stored.
    const reason = error instanceof Error ? error.message : String(error);
    return problemAt(undefined, 'not-json', `could not be read (${reason.slice(0, 200)})`);
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `base.a.b[3]["odd key"]`: a path as a reader would write it. */
export function formatJsonPath(path: readonly PropertyKey[], base = ''): string {
  let text = base;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (typeof part === 'string' && IDENTIFIER.test(part)) text += text ? `.${part}` : part;
    else text += `[${JSON.stringify(String(part).slice(0, 64))}]`;
  }
  return text || '(root)';
}

export interface CheckJsonOptions extends JsonLimits {
  /** What the value is, for the message: `metadata`, `payload`, … */
  what: string;
  driver?: string;
  /** Where the value sits in the caller's argument (prefixed to the problem's path). */
  path?: readonly PropertyKey[];
}

/**
 * Checks `value` (see `inspectJsonValue`) and returns the UTF-8 bytes of its JSON text. Throws
 * `InvalidInputError` naming the path of the first problem, e.g. `metadata.a.b[3]`.
 */
export function checkJsonValue(value: unknown, options: CheckJsonOptions): number {
  const inspection = inspectJsonValue(value, options);
  if (inspection.ok) return inspection.bytes;
  throw jsonProblemError(inspection.problem, options);
}

/** The `InvalidInputError` for a problem found by `inspectJsonValue`. */
export function jsonProblemError(
  problem: JsonProblem,
  options: { what: string; driver?: string; path?: readonly PropertyKey[] },
): InvalidInputError {
  const path = [...(options.path ?? []), ...problem.path];
  return new InvalidInputError(`invalid ${options.what}: ${formatJsonPath(path)} ${problem.message}`, {
    driver: options.driver,
    issues: [{ path, message: problem.message }],
    details: { kind: problem.kind },
  });
}

/** A zod `superRefine` check: one issue, at the problem's path, when `inspectJsonValue` finds one. */
export function jsonRefinement(limits: JsonLimits = {}): (value: unknown, context: z.RefinementCtx) => void {
  return (value, context) => {
    const inspection = inspectJsonValue(value, limits);
    if (!inspection.ok)
      context.addIssue({
        code: 'custom',
        path: inspection.problem.path,
        message: inspection.problem.message,
      });
  };
}

/**
 * A zod schema for a JSON value checked by `inspectJsonValue` (use instead of `z.json()`, whose
 * recursion overflows the stack on deep input and which throws a TypeError on cycles).
 */
export function jsonValueSchema(limits: JsonLimits = {}): z.ZodType<unknown> {
  return z.unknown().superRefine(jsonRefinement(limits));
}

/** Like `jsonValueSchema`, for a JSON object with string keys (metadata, tool arguments). */
export function jsonObjectSchema(limits: JsonLimits = {}): z.ZodType<Record<string, unknown>> {
  // z.custom keeps the caller's object (z.record would copy its first level and hide a cycle through it).
  const object = z.custom<Record<string, unknown>>(
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    'expected an object',
  );
  return object.superRefine(jsonRefinement(limits));
}
