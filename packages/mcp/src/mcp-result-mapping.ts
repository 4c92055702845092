import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolError } from '@tristack/core';
import { scrub } from './mcp-error-mapping.js';

/** One content block of a call result, as the agent receives it. */
export type McpContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image' | 'audio'; mimeType: string; data: string }
  | { type: 'resource_link'; uri: string; name: string; mimeType?: string; description?: string }
  | { type: 'resource'; uri: string; mimeType?: string; text?: string; blob?: string };

/** A result that is more than text: every block, and the structured content when the tool gave one. */
export interface McpToolOutput {
  content: McpContentBlock[];
  structuredContent?: Record<string, unknown>;
}

function blockOf(block: CallToolResult['content'][number]): McpContentBlock | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
    case 'audio':
      return { type: block.type, mimeType: block.mimeType, data: block.data };
    case 'resource_link':
      return {
        type: 'resource_link',
        uri: block.uri,
        name: block.name,
        ...(block.mimeType !== undefined ? { mimeType: block.mimeType } : {}),
        ...(block.description !== undefined ? { description: block.description } : {}),
      };
    case 'resource': {
      const resource = block.resource as { uri: string; mimeType?: string; text?: string; blob?: string };
      return {
        type: 'resource',
        uri: resource.uri,
        ...(resource.mimeType !== undefined ? { mimeType: resource.mimeType } : {}),
        ...(resource.text !== undefined ? { text: resource.text } : {}),
        ...(resource.blob !== undefined ? { blob: resource.blob } : {}),
      };
    }
    default:
      return undefined;
  }
}

/**
 * The `output` of a successful call: the text when the result is only text (what a model reads
 * best), otherwise every block plus `structuredContent` (`McpToolOutput`).
 */
export function outputOf(result: CallToolResult): string | McpToolOutput {
  const blocks = (result.content ?? []).map(blockOf).filter((block) => block !== undefined);
  const structured = result.structuredContent;
  if (structured === undefined && blocks.every((block) => block.type === 'text')) {
    return blocks.map((block) => (block as { text: string }).text).join('\n');
  }
  return { content: blocks, ...(structured !== undefined ? { structuredContent: structured } : {}) };
}

/** An `isError: true` result: the tool ran and failed; its text is for the model (scrubbed of credentials). */
export function toolErrorOf(result: CallToolResult, toolName: string, secrets: readonly string[]): ToolError {
  const text = (result.content ?? [])
    .filter((block): block is { type: 'text'; text: string } => block.type === 'text')
    .map((block) => block.text)
    .join('\n')
    .slice(0, 4_000);
  return {
    kind: 'upstream',
    message: scrub(text || `${toolName} failed without details.`, secrets),
    canRetry: false,
    providerKind: 'tool_error',
  };
}
