import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { createMiddleware } from 'langchain';
import { z } from 'zod';
import { TristackError } from '@tristack/core';
import { errorChain } from '../model-errors.js';
import { countOption, functionOption, parseMiddlewareOptions } from './middleware-option-schemas.js';

const structuredOutputRepairMarker = Symbol.for('tristack.error.StructuredOutputRepairError');

/** The model's structured output still failed to parse after every repair. */
export class StructuredOutputRepairError extends TristackError {
  private readonly [structuredOutputRepairMarker] = true;
  readonly attempts: number;
  readonly lastOutput: string | undefined;
  constructor(attempts: number, lastError: unknown, lastOutput: string | undefined) {
    super(
      'STRUCTURED_OUTPUT_INVALID',
      `structured output still invalid after ${attempts} attempts: ${errorText(lastError)}`,
      {
        driver: 'langchain',
        cause: lastError,
        details: { attempts },
      },
    );
    this.attempts = attempts;
    this.lastOutput = lastOutput;
  }

  static override isInstance(error: unknown): error is StructuredOutputRepairError {
    return TristackError.hasMarker(error, structuredOutputRepairMarker);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const isParseFailure = (error: unknown) =>
  [...errorChain(error)].some((each) => (each as { name?: unknown }).name === 'StructuredOutputParsingError');

const defaultRepairPrompt = (error: string) =>
  `Your previous reply could not be parsed as the required structured output:\n${error}\nReply again with only valid output that matches the schema exactly.`;

export const structuredOutputRepairOptionsSchema = z.strictObject({
  /**
   * Validates the final answer's text as JSON against this schema and returns it as the agent's
   * `structuredResponse`. Without it, only LangChain's own parse failures (`responseFormat`
   * provider strategy) are repaired.
   */
  schema: z
    .custom<z.ZodType>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { safeParse?: unknown }).safeParse === 'function',
      { message: 'schema must be a zod schema' },
    )
    .optional(),
  /** Re-asks after the first failure. @default 2 */
  maxRepairs: countOption(0, 100).default(2),
  /** The message that asks for a repair. */
  repairPrompt: functionOption<(error: string) => string>('repairPrompt').default(() => defaultRepairPrompt),
});
export type StructuredOutputRepairOptions = z.input<typeof structuredOutputRepairOptionsSchema>;

/** The JSON in a reply: the text itself, or the first fenced block. */
function jsonText(message: AIMessage): string {
  const text = message.text.trim();
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  return fenced ? fenced[1]!.trim() : text;
}

/**
 * When a model's structured output fails to parse, asks again with the parse error, up to
 * `maxRepairs` times, then throws `StructuredOutputRepairError`. Only a final answer (no tool
 * calls) is checked.
 */
export function structuredOutputRepair(input: StructuredOutputRepairOptions = {}) {
  const options = parseMiddlewareOptions(
    structuredOutputRepairOptionsSchema,
    input,
    'structuredOutputRepair',
  );
  const { maxRepairs, repairPrompt: prompt } = options;
  return createMiddleware({
    name: 'TristackStructuredOutputRepair',
    wrapModelCall: async (request, handler) => {
      const repairs: BaseMessage[] = [];
      let lastError: unknown;
      let lastOutput: string | undefined;
      for (let attempt = 0; attempt <= maxRepairs; attempt++) {
        let response;
        try {
          response = await handler({ ...request, messages: [...request.messages, ...repairs] });
        } catch (error) {
          if (!isParseFailure(error)) throw error;
          lastError = error;
          repairs.push(new HumanMessage(prompt(errorText(error))));
          continue;
        }
        if (!options.schema || !AIMessage.isInstance(response) || response.tool_calls?.length)
          return response;
        lastOutput = response.text;
        let issue: string;
        try {
          const parsed = options.schema.safeParse(JSON.parse(jsonText(response)));
          if (parsed.success) {
            // The agent node takes this shape as a structured result (message + structuredResponse).
            return { structuredResponse: parsed.data, messages: [response] } as unknown as AIMessage;
          }
          issue = parsed.error.issues
            .map((each) => `${each.path.join('.') || '(root)'}: ${each.message}`)
            .join('; ');
        } catch (error) {
          issue = `not valid JSON (${errorText(error)})`;
        }
        lastError = new Error(issue);
        repairs.push(response, new HumanMessage(prompt(issue)));
      }
      throw new StructuredOutputRepairError(maxRepairs + 1, lastError, lastOutput);
    },
  });
}
