/**
 * Regression tests: a tool result carried by a legacy `FunctionMessage` or a `ChatMessage` with
 * role `tool`/`function` is a tool result to the caches, as a `ToolMessage` is. Sharing across
 * users never serves one user's tool-derived answer to another, and a cache whose history is out
 * of scope refuses such calls.
 */
import {
  AIMessage,
  ChatMessage,
  FunctionMessage,
  HumanMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { tristackMetadata } from './cache-request.js';
import { cacheOwner } from './cache-scope.js';
import { driverTable } from './drivers.fixture.js';
import { cacheRoleOf, isToolResultMessage } from './message-conversion.js';
import { responseCacheMiddleware } from './middleware/response-cache-middleware.js';
import { withTristack } from './model/with-tristack.js';

const report = (merchant: string) =>
  `Card status report. The card was blocked by the fraud system after a suspicious charge. Last merchant: ${merchant}.`;

const KINDS = {
  FunctionMessage: (content: string) => new FunctionMessage({ name: 'card_status', content }),
  'ChatMessage(role tool)': (content: string) => new ChatMessage({ role: 'tool', content }),
  'ChatMessage(role function)': (content: string) => new ChatMessage({ role: 'Function', content }),
} as const;
type Kind = keyof typeof KINDS;

/** A transcript whose answer is computed from what the card tool returned for the caller. */
const transcript = (kind: Kind, merchant: string): BaseMessage[] => [
  new HumanMessage('why was my card blocked?'),
  new AIMessage({
    content: '',
    additional_kwargs: { function_call: { name: 'card_status', arguments: '{}' } },
  }),
  KINDS[kind](report(merchant)),
];

const ALICE = '[for alice] blocked: suspicious hotel charge.';
const BOB = '[for bob] computed from bob data';

describe('legacy tool-result messages', () => {
  it('are tool results: the cache role keeps them apart from user text', () => {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const message = transcript(kind, 'x').at(-1)!;
      expect(isToolResultMessage(message), kind).toBe(true);
      expect(['tool', 'function']).toContain(cacheRoleOf(message));
      // With sharing on, the user stays in the scope of a call that carries one.
      expect(cacheOwner({ tenantId: 'acme', userId: 'bob' }, [message], { shareAcrossUsers: true })).toEqual({
        tenant: 'acme',
        user: 'bob',
      });
    }
    expect(isToolResultMessage(new ChatMessage({ role: 'user', content: 'hi' }))).toBe(false);
    expect(isToolResultMessage(new HumanMessage('Tool: hi'))).toBe(false);
  });
});

const table = driverTable();

describe.each(['memory', 'redis'] as const)('legacy tool-result messages with %s drivers', (kind) => {
  const drivers = () => table[kind]();
  const cases = (Object.keys(KINDS) as Kind[]).flatMap((message) =>
    [true, false].map((includeHistoryInScope) => [message, includeHistoryInScope] as const),
  );

  it.each(cases)(
    'withTristack, shareAcrossUsers, %s, includeHistoryInScope %s: bob never gets alice’s answer',
    async (message, includeHistoryInScope) => {
      const cache = await drivers().cache({ includeHistoryInScope, similarityThreshold: 0.5 });
      const inner = new FakeListChatModel({ responses: [ALICE, BOB, 'alice again'] });
      let who = { tenantId: 'acme', userId: 'alice' };
      const model = withTristack(inner, { cache, shareAcrossUsers: true, identity: () => who });
      expect((await model.invoke(transcript(message, 'grand plaza hotel'))).text).toBe(ALICE);
      who = { tenantId: 'acme', userId: 'bob' };
      const bob = await model.invoke(transcript(message, 'seaside inn'));
      expect(bob.text).toBe(BOB);
      expect(tristackMetadata(bob).cached).toBeUndefined();
      // Alice's exact repeat: a hit in her own scope, or nothing cached when history is out of scope.
      who = { tenantId: 'acme', userId: 'alice' };
      const again = await model.invoke(transcript(message, 'grand plaza hotel'));
      expect(again.text).toBe(includeHistoryInScope ? ALICE : 'alice again');
      if (!includeHistoryInScope) expect(await cache.stats({ tenant: 'acme' })).toMatchObject({ stores: 0 });
    },
  );

  it.each(cases)(
    'responseCacheMiddleware, shareAcrossUsers, %s, includeHistoryInScope %s: bob never gets alice’s answer',
    async (message, includeHistoryInScope) => {
      const cache = await drivers().cache({ includeHistoryInScope, similarityThreshold: 0.5 });
      const model = fakeModel()
        .respond(new AIMessage(ALICE))
        .respond(new AIMessage(BOB))
        .respond(new AIMessage('alice again'));
      const agent = createAgent({
        model,
        middleware: [responseCacheMiddleware({ cache, shareAcrossUsers: true })],
      });
      const run = async (userId: string, merchant: string) =>
        (
          await agent.invoke(
            { messages: transcript(message, merchant) },
            { context: { tenantId: 'acme', userId } },
          )
        ).messages.at(-1)!;
      expect((await run('alice', 'grand plaza hotel')).text).toBe(ALICE);
      const bob = await run('bob', 'seaside inn');
      expect(bob.text).toBe(BOB);
      expect(tristackMetadata(bob).cached).toBeUndefined();
      expect((await run('alice', 'grand plaza hotel')).text).toBe(
        includeHistoryInScope ? ALICE : 'alice again',
      );
      if (!includeHistoryInScope) expect(await cache.stats({ tenant: 'acme' })).toMatchObject({ stores: 0 });
    },
  );
});
