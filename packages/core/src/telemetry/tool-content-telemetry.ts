import type { Span } from '@opentelemetry/api';
import { z } from 'zod';
import { Redactor } from '../audit-log/redactor.js';
import { parseOptions } from '../validation.js';
import { TelemetryAttribute } from './telemetry-attributes.js';

/** How opted-in tool arguments and results are prepared for an `execute_tool` span. */
export interface ToolContentTelemetryOptions {
  /**
   * Removes secrets before a value reaches the span (the audit trail's rules: secret key names,
   * token patterns, credentials in URLs…). Pass the one your `AuditLog` uses to apply the same rules.
   * @default new Redactor()
   */
  redactor?: Redactor;
  /**
   * Longest attribute value, in characters (16 to 1,000,000); a longer value is cut and ends with `…`.
   * @default 4096
   */
  maxLength?: number;
}

/**
 * Opt-in recording of tool arguments and results on `execute_tool` spans
 * (`gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`, opt-in attributes of the GenAI
 * conventions): `true` for the defaults, or the redactor and length to use. Off (`false`,
 * absent) by default: spans then carry neither.
 */
export type ToolContentTelemetry = boolean | ToolContentTelemetryOptions;

const toolContentOptionsSchema = z.object({
  redactor: z.instanceof(Redactor).optional(),
  maxLength: z.number().int().min(16).max(1_000_000).default(4096),
});

/**
 * Puts redacted tool arguments and results on a span, when the app opted in. For adapter and
 * provider authors: build it once from the option (`ToolContentRecorder.from`), call `record`
 * with the model's arguments and the tool's output.
 */
export class ToolContentRecorder {
  private constructor(
    private readonly redactor: Redactor,
    private readonly maxLength: number,
  ) {}

  /** The recorder for an option value; undefined when content is not to be recorded (the default). */
  static from(setting: ToolContentTelemetry | undefined): ToolContentRecorder | undefined {
    if (!setting) return undefined;
    const { redactor, maxLength } = parseOptions(toolContentOptionsSchema, setting === true ? {} : setting, {
      what: 'tool content telemetry',
    });
    return new ToolContentRecorder(redactor ?? new Redactor(), maxLength);
  }

  /**
   * Sets `gen_ai.tool.call.arguments` or `gen_ai.tool.call.result` to the redacted value as JSON
   * (a string as itself, scanned for secrets). Does nothing when the span is not recording; a
   * value the redactor cannot read is left out rather than failing the call.
   */
  record(span: Span, which: 'arguments' | 'result', value: unknown): void {
    if (!span.isRecording() || value === undefined) return;
    // Only the first maxLength characters are shown, so only a window a little longer is redacted:
    // a large result costs the window, not its size. The margin keeps a secret that crosses the
    // cut whole while the redactor looks at it; what is left of the margin is cut off after.
    const window = this.maxLength + CUT_MARGIN;
    let text: string;
    const budget = { remaining: window, cut: false };
    try {
      if (typeof value === 'string' && value.length > window && !looksLikeJson(value)) {
        // The common large case, a long text: no copy, only the window is scanned.
        budget.cut = true;
        text = this.redactor.redactString(value.slice(0, window));
      } else {
        const bounded = boundedCopy(value, budget, 0);
        text =
          typeof bounded === 'string'
            ? this.redactor.redactString(bounded)
            : (JSON.stringify(this.redactor.redact(bounded)) ?? '');
      }
    } catch {
      return;
    }
    // The window's end may hold part of a secret the redactor could not recognise: never shown.
    const shown = budget.cut
      ? Math.min(this.maxLength, Math.max(0, text.length - CUT_MARGIN))
      : this.maxLength;
    if (text.length > shown) text = `${text.slice(0, Math.max(0, shown - 1))}…`;
    span.setAttribute(
      which === 'arguments' ? TelemetryAttribute.toolCallArguments : TelemetryAttribute.toolCallResult,
      text,
    );
  }
}

/** Characters redacted past `maxLength` (and then dropped): longer than any secret a rule matches whole. */
const CUT_MARGIN = 1024;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

/**
 * A copy of `value` holding about the first `budget.remaining` characters of its JSON form:
 * longer strings are cut (JSON text first parsed, as the redactor reads it), entries past the
 * budget left out. Only plain objects and arrays are copied; anything else (a Date, a Map, an
 * Error, a class instance) is passed as it is, for the redactor to read as it always does.
 */
function boundedCopy(value: unknown, budget: { remaining: number; cut: boolean }, depth: number): unknown {
  if (typeof value === 'string') {
    if (value.length > budget.remaining && looksLikeJson(value)) {
      // JSON text is bounded as data and written back as text, so the redactor still reads it as
      // data (secrets under secret keys are found by key) and the value stays a string.
      const parsed = parseJson(value);
      if (parsed !== undefined) return JSON.stringify(boundedCopy(parsed, budget, depth + 1));
    }
    const keep = Math.max(0, budget.remaining);
    budget.remaining -= Math.min(value.length, keep) + 2;
    if (value.length <= keep) return value;
    budget.cut = true;
    return value.slice(0, keep);
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    budget.remaining -= String(value).length + 1;
    return value;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_COPY_DEPTH) {
    budget.remaining -= 8;
    return value;
  }
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value) {
      if (budget.remaining <= 0) {
        budget.cut = true;
        break;
      }
      budget.remaining -= 1;
      copy.push(boundedCopy(item, budget, depth + 1));
    }
    return copy;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    budget.remaining -= 8;
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (budget.remaining <= 0) {
      budget.cut = true;
      break;
    }
    budget.remaining -= key.length + 4;
    Object.defineProperty(copy, key, {
      value: boundedCopy((value as Record<string, unknown>)[key], budget, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Plain objects nested deeper than this are passed whole (the redactor stops at its own depth). */
const MAX_COPY_DEPTH = 64;
