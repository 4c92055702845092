import { canonicalJson, digest } from './canonical-json.js';
import type {
  SemanticCacheContent,
  SemanticCacheMessage,
  SemanticCacheRequest,
  SemanticCacheScope,
} from './types.js';

/** A validated request reduced to what the cache needs: ids, scope, match text. */
export interface PreparedRequest {
  request: SemanticCacheRequest;
  /** Hash of the whole normalised request: the exact tier's key and the entry id. */
  entryId: string;
  scope: SemanticCacheScope;
  /** Text the semantic tier embeds ('' when there is none: the semantic tier is skipped). */
  matchText: string;
  temperature: number | undefined;
}

const SYSTEM_ROLES = new Set(['system', 'developer']);
// Bumped whenever the hashing below changes, so old entries can never be read under new rules.
const KEY_VERSION = 1;

/** Text of a content value: the string, or its text blocks joined. */
export function contentText(content: SemanticCacheContent): string {
  if (typeof content === 'string') return content;
  return content
    .filter((block) => block.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text as string)
    .join('\n');
}

function nonTextBlocks(content: SemanticCacheContent): unknown[] {
  return typeof content === 'string' ? [] : content.filter((block) => block.type !== 'text');
}

/** Match text normalisation: NFC, whitespace runs collapsed, trimmed. Case is the embedder's business. */
export function normalizeMatchText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

const hashOf = (value: unknown): string => (value === undefined ? '' : digest(canonicalJson(value)));

/** Splits a validated request into entry id, scope digests and match text. */
export function prepareRequest(
  request: SemanticCacheRequest,
  includeHistoryInScope: boolean,
): PreparedRequest {
  const messages = request.messages;
  let matched = -1;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]!.role === 'user') {
      matched = index;
      break;
    }
  }
  const systemParts: unknown[] = request.system === undefined ? [] : [request.system];
  // The conversation around the matched message, with a marker where it sits: the same question
  // before or after the same turns is not the same conversation.
  const history: (SemanticCacheMessage | null)[] = [];
  messages.forEach((message, index) => {
    if (SYSTEM_ROLES.has(message.role)) systemParts.push(message.content);
    else history.push(index === matched ? null : message);
  });
  const matchedMessage = matched >= 0 ? messages[matched] : undefined;
  const matchText = normalizeMatchText(
    request.matchText ?? (matchedMessage ? contentText(matchedMessage.content) : ''),
  );
  const tags = Object.fromEntries(Object.entries(request.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
  const parts = {
    tenant: request.tenant,
    model: request.model,
    tags,
    systemPromptHash: systemParts.length ? hashOf(systemParts) : '',
    toolsHash:
      request.tools?.length || request.toolChoice !== undefined
        ? hashOf({ tools: request.tools ?? [], toolChoice: request.toolChoice ?? null })
        : '',
    samplingHash: request.sampling && Object.keys(request.sampling).length ? hashOf(request.sampling) : '',
    historyHash: includeHistoryInScope && history.some((message) => message !== null) ? hashOf(history) : '',
    attachmentsHash:
      matchedMessage && nonTextBlocks(matchedMessage.content).length
        ? hashOf(nonTextBlocks(matchedMessage.content))
        : '',
  };
  const scope: SemanticCacheScope = { ...parts, digest: digest(canonicalJson({ v: KEY_VERSION, ...parts })) };
  const entryId = digest(
    canonicalJson({
      v: KEY_VERSION,
      tenant: request.tenant,
      model: request.model,
      tags,
      system: request.system ?? null,
      messages,
      tools: request.tools ?? null,
      toolChoice: request.toolChoice ?? null,
      sampling: request.sampling ?? null,
      matchText: request.matchText ?? null,
      // Two caches that scope history differently must not read each other's exact entries.
      scope: scope.digest,
    }),
  );
  const temperature = request.sampling?.temperature;
  return {
    request,
    entryId,
    scope,
    matchText,
    temperature: typeof temperature === 'number' ? temperature : undefined,
  };
}
