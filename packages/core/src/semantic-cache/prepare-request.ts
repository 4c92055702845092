import { canonicalJson, digest } from './canonical-json.js';
import { exactScopeIds } from './scope-ids.js';
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
  /** True when the request carries tool results that are not part of its scope (history off). */
  toolResultsOutOfScope: boolean;
}

const SYSTEM_ROLES = new Set(['system', 'developer']);
// Messages that carry what a tool returned (`function` is the legacy OpenAI role).
const TOOL_RESULT_ROLES = new Set(['tool', 'function']);

/** True when a message of the request holds a tool result: an answer computed from it is the caller's data. */
export function hasToolResults(messages: readonly SemanticCacheMessage[]): boolean {
  return messages.some((message) => TOOL_RESULT_ROLES.has(message.role) || message.toolCallId !== undefined);
}
// Bumped whenever the hashing below changes, so old entries can never be read under new rules.
// 2: tenant, user, model and tags hashed exactly (key-encoded), no longer NFC/line-end normalised.
const KEY_VERSION = 2;

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
  // Ids are hashed as given (key-encoded); only prompt text below is normalised.
  const ids = exactScopeIds(request);
  const hashes = {
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
  const scope: SemanticCacheScope = {
    tenant: request.tenant,
    ...(request.user !== undefined ? { user: request.user } : {}),
    model: request.model,
    tags,
    ...hashes,
    digest: digest(canonicalJson({ v: KEY_VERSION, ...ids, ...hashes })),
  };
  const entryId = digest(
    canonicalJson({
      v: KEY_VERSION,
      ...ids,
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
    toolResultsOutOfScope: !includeHistoryInScope && hasToolResults(messages),
  };
}
