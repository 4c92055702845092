import {
  InvalidInputError,
  InvalidOptionsError,
  type ConversationAddress,
  type ConversationMemory,
  type ConversationMemoryOptions,
  type MessageInput,
  type StoredMessage,
} from '@tristack/core';
import { compareMessageIds } from '@tristack/core/driver-kit';
import { afterEach, describe, expect, it } from 'vitest';

export interface ConversationMemoryConformanceContext {
  /**
   * Creates a memory. Every instance created from one context shares the store, like processes
   * of a fleet sharing one Redis. May throw `InvalidOptionsError`.
   */
  create(options?: ConversationMemoryOptions): ConversationMemory | Promise<ConversationMemory>;
  /** Lets `ms` of the store's time pass: advance a ManualClock, or sleep when the store keeps real time. */
  wait(ms: number): Promise<void>;
  /**
   * TTL the timing tests use; raise it for a slow or remote store.
   * @default 1000
   */
  ttlMs?: number;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

/** TTL of the timing tests: short, yet with margins a busy machine's timer delays fit in. */
const DEFAULT_TTL_MS = 1000;

const alice: ConversationAddress = { userId: 'alice', conversationId: 'c1' };

function user(content: string): MessageInput {
  return { role: 'user', content };
}

function contents(messages: readonly StoredMessage[]): string[] {
  return messages.map((message) => (typeof message.content === 'string' ? message.content : '(blocks)'));
}

async function appendEach(memory: ConversationMemory, address: ConversationAddress, texts: string[]) {
  for (const text of texts) await memory.append(address, [user(text)]);
}

/**
 * The behaviour every `ConversationMemory` driver must have: ordered append and read, windowed,
 * paged and token-budget reads, trimming, sliding TTL, the per-user index, deletion, isolation
 * of ids, validation, and no lost or reordered messages under concurrent appends.
 */
export function describeConversationMemory(
  name: string,
  setup: () => ConversationMemoryConformanceContext | Promise<ConversationMemoryConformanceContext>,
): void {
  describe(`ConversationMemory conformance: ${name}`, () => {
    let context: ConversationMemoryConformanceContext;
    const fresh = async (options?: ConversationMemoryOptions) => {
      context ??= await setup();
      return context.create(options);
    };
    afterEach(async () => {
      await context?.cleanup?.();
      context = undefined as unknown as ConversationMemoryConformanceContext;
    });
    const ttl = () => context.ttlMs ?? DEFAULT_TTL_MS;

    describe('append and read', () => {
      it('stores every message field and assigns ordered ids, timestamps and token counts', async () => {
        const memory = await fresh();
        const input: MessageInput[] = [
          { role: 'system', content: 'You are terse.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture?' },
              { type: 'image_url', image_url: { url: 'https://example.invalid/cat.png' } },
            ],
            name: 'Alice',
            metadata: { locale: 'en', tags: ['a', 'b'], score: 1.5, flagged: false, extra: null },
          },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'call_1', name: 'lookup', args: { query: 'cats', limit: 3 } }],
          },
          { role: 'tool', content: '{"found":2}', toolCallId: 'call_1', name: 'lookup' },
        ];
        const stored = await memory.append(alice, input);
        expect(stored).toHaveLength(4);
        const read = await memory.read(alice);
        expect(read).toEqual(stored);
        for (const [index, message] of read.entries()) {
          expect(message).toMatchObject(input[index]!);
          expect(typeof message.id).toBe('string');
          expect(message.createdAt).toBeGreaterThan(1_600_000_000_000);
          expect(message.tokenCount).toBeGreaterThan(0);
          if (index > 0) expect(compareMessageIds(read[index - 1]!.id, message.id)).toBeLessThan(0);
        }
        expect(new Set(read.map((message) => message.id)).size).toBe(4);
      });

      it('keeps one order across appends and reads an unknown conversation as empty', async () => {
        const memory = await fresh();
        await appendEach(memory, alice, ['one', 'two', 'three']);
        await memory.append(alice, [user('four'), user('five')]);
        expect(contents(await memory.read(alice))).toEqual(['one', 'two', 'three', 'four', 'five']);
        expect(await memory.read({ userId: 'alice', conversationId: 'nope' })).toEqual([]);
        expect(await memory.read({ userId: 'nobody', conversationId: 'c1' })).toEqual([]);
      });

      it('hands out copies: mutating a returned message changes nothing stored', async () => {
        const memory = await fresh();
        const [stored] = await memory.append(alice, [{ role: 'user', content: 'hi', metadata: { n: 1 } }]);
        stored!.metadata!.n = 2;
        const [read] = await memory.read(alice);
        read!.content = 'changed';
        expect(await memory.read(alice)).toMatchObject([{ content: 'hi', metadata: { n: 1 } }]);
      });
    });

    describe('windowed, paged and token-budget reads', () => {
      it('reads the last N messages, oldest first', async () => {
        const memory = await fresh();
        await memory.append(alice, ['1', '2', '3', '4', '5'].map(user));
        expect(contents(await memory.read(alice, { last: 2 }))).toEqual(['4', '5']);
        expect(contents(await memory.read(alice, { last: 50 }))).toEqual(['1', '2', '3', '4', '5']);
      });

      it('pages backwards with `before` and visits every message exactly once', async () => {
        const memory = await fresh();
        const texts = Array.from({ length: 23 }, (_, index) => `m${index}`);
        await memory.append(alice, texts.map(user));
        const seen: string[] = [];
        let page = await memory.read(alice, { last: 5 });
        while (page.length > 0) {
          seen.unshift(...contents(page));
          page = await memory.read(alice, { last: 5, before: page[0]!.id });
        }
        expect(seen).toEqual(texts);
        const all = await memory.read(alice);
        expect(contents(await memory.read(alice, { before: all[3]!.id }))).toEqual(['m0', 'm1', 'm2']);
        expect(await memory.read(alice, { before: all[0]!.id })).toEqual([]);
        expect(await memory.read(alice, { before: '0-0' })).toEqual([]);
      });

      it('reads the newest messages that fit a token budget, with a pluggable counter', async () => {
        const memory = await fresh({ tokenCounter: (message) => String(message.content).length });
        await memory.append(alice, ['aaaa', 'bb', 'cccccc', 'd', 'eee'].map(user));
        const stored = await memory.read(alice);
        expect(stored.map((message) => message.tokenCount)).toEqual([4, 2, 6, 1, 3]);
        expect(contents(await memory.read(alice, { maxTokens: 4 }))).toEqual(['d', 'eee']);
        expect(contents(await memory.read(alice, { maxTokens: 9 }))).toEqual(['d', 'eee']);
        expect(contents(await memory.read(alice, { maxTokens: 10 }))).toEqual(['cccccc', 'd', 'eee']);
        expect(contents(await memory.read(alice, { maxTokens: 1000 }))).toHaveLength(5);
        expect(await memory.read(alice, { maxTokens: 2 })).toEqual([]);
        expect(contents(await memory.read(alice, { maxTokens: 1000, last: 2 }))).toEqual(['d', 'eee']);
        expect(contents(await memory.read(alice, { maxTokens: 8, before: stored[3]!.id }))).toEqual([
          'bb',
          'cccccc',
        ]);
      });

      it('counts tokens with the cheap default estimate', async () => {
        const memory = await fresh();
        const [short, long] = await memory.append(alice, [user('hi'), user('x'.repeat(400))]);
        expect(short!.tokenCount).toBeLessThan(long!.tokenCount);
        expect(long!.tokenCount).toBeGreaterThanOrEqual(100);
      });

      it('walks a long conversation under a budget', async () => {
        const memory = await fresh({ tokenCounter: () => 1 });
        await memory.append(
          alice,
          Array.from({ length: 300 }, (_, index) => user(`m${index}`)),
        );
        const read = await memory.read(alice, { maxTokens: 150 });
        expect(read).toHaveLength(150);
        expect(read[0]!.content).toBe('m150');
        expect(read.at(-1)!.content).toBe('m299');
      });
    });

    describe('trimming', () => {
      it('keeps at most maxMessages, dropping the oldest', async () => {
        const memory = await fresh({ maxMessages: 5 });
        const [first] = await memory.append(alice, [user('1')]);
        await appendEach(memory, alice, ['2', '3', '4']);
        await memory.append(alice, ['5', '6', '7'].map(user));
        const kept = await memory.read(alice);
        expect(contents(kept)).toEqual(['3', '4', '5', '6', '7']);
        // Paging from an id that was trimmed away finds nothing older; from the newest, the rest.
        expect(await memory.read(alice, { before: first!.id })).toEqual([]);
        expect(contents(await memory.read(alice, { before: kept[1]!.id }))).toEqual(['3']);
        expect(contents(await memory.read(alice, { before: '9999999999999-999999', last: 2 }))).toEqual([
          '6',
          '7',
        ]);
        const big = await memory.append(
          alice,
          Array.from({ length: 8 }, (_, index) => user(`b${index}`)),
        );
        expect(big).toHaveLength(8);
        expect(contents(await memory.read(alice))).toEqual(['b3', 'b4', 'b5', 'b6', 'b7']);
        const [summary] = await memory.listConversations('alice');
        expect(summary!.messageCount).toBe(5);
      });
    });

    describe('sliding TTL', () => {
      it('expires a conversation after ttlMs without activity; append and touch restart it', async () => {
        await fresh();
        const memory = await context.create({ ttlMs: ttl() });
        const other = { userId: 'alice', conversationId: 'c2' };
        await memory.append(alice, [user('kept')]);
        await memory.append(other, [user('dropped')]);
        await context.wait(ttl() * 0.6);
        await memory.append(alice, [user('again')]);
        await context.wait(ttl() * 0.6);
        expect(await memory.touch(alice)).toBe(true);
        await context.wait(ttl() * 0.6);
        // c2 is past its TTL; c1 was refreshed by the append and then the touch.
        expect(contents(await memory.read(alice))).toEqual(['kept', 'again']);
        expect(await memory.read(other)).toEqual([]);
        expect(await memory.touch(other)).toBe(false);
        expect((await memory.listConversations('alice')).map((summary) => summary.conversationId)).toEqual([
          'c1',
        ]);
        await context.wait(ttl() * 1.5);
        expect(await memory.read(alice)).toEqual([]);
        expect(await memory.listConversations('alice')).toEqual([]);
        expect(await memory.touch(alice)).toBe(false);
        // An expired conversation starts over on the next append.
        await memory.append(alice, [user('new')]);
        expect(contents(await memory.read(alice))).toEqual(['new']);
      });
    });

    describe('conversation index', () => {
      it('lists conversations newest first with counts, activity and expiry', async () => {
        const memory = await fresh({ ttlMs: 60_000 });
        await memory.append({ userId: 'alice', conversationId: 'old' }, [user('1')]);
        await context.wait(5);
        await memory.append({ userId: 'alice', conversationId: 'mid' }, [user('1'), user('2')]);
        await context.wait(5);
        await memory.append({ userId: 'alice', conversationId: 'new' }, [user('1'), user('2'), user('3')]);
        await memory.append({ userId: 'bob', conversationId: 'other' }, [user('1')]);
        const list = await memory.listConversations('alice');
        expect(list.map((summary) => [summary.conversationId, summary.messageCount])).toEqual([
          ['new', 3],
          ['mid', 2],
          ['old', 1],
        ]);
        for (const summary of list) {
          expect(summary.userId).toBe('alice');
          expect(summary.tenantId).toBeUndefined();
          expect(summary.expiresAt - summary.lastActivityAt).toBe(60_000);
        }
        expect(list[0]!.lastActivityAt).toBeGreaterThan(list[2]!.lastActivityAt);
        expect(await memory.listConversations({ userId: 'alice' })).toEqual(list);
        expect(
          (await memory.listConversations('alice', { limit: 2 })).map((summary) => summary.conversationId),
        ).toEqual(['new', 'mid']);
        // Appending moves a conversation to the front.
        await context.wait(5);
        await memory.append({ userId: 'alice', conversationId: 'old' }, [user('2')]);
        expect((await memory.listConversations('alice'))[0]).toMatchObject({
          conversationId: 'old',
          messageCount: 2,
        });
        expect(await memory.listConversations('nobody')).toEqual([]);
      });

      it('keeps tenants apart', async () => {
        const memory = await fresh();
        await memory.append({ tenantId: 't1', userId: 'alice', conversationId: 'c' }, [user('t1')]);
        await memory.append({ tenantId: 't2', userId: 'alice', conversationId: 'c' }, [user('t2')]);
        await memory.append({ userId: 'alice', conversationId: 'c' }, [user('none')]);
        expect(contents(await memory.read({ tenantId: 't1', userId: 'alice', conversationId: 'c' }))).toEqual(
          ['t1'],
        );
        expect(contents(await memory.read({ userId: 'alice', conversationId: 'c' }))).toEqual(['none']);
        const list = await memory.listConversations({ tenantId: 't2', userId: 'alice' });
        expect(list).toEqual([
          expect.objectContaining({ tenantId: 't2', userId: 'alice', conversationId: 'c' }),
        ]);
        expect(await memory.deleteUser({ tenantId: 't1', userId: 'alice' })).toBe(1);
        expect(await memory.read({ tenantId: 't1', userId: 'alice', conversationId: 'c' })).toEqual([]);
        expect(contents(await memory.read({ tenantId: 't2', userId: 'alice', conversationId: 'c' }))).toEqual(
          ['t2'],
        );
        expect(contents(await memory.read({ userId: 'alice', conversationId: 'c' }))).toEqual(['none']);
      });

      it('never lets an id reach another owner, whatever characters it holds', async () => {
        const memory = await fresh();
        const tricky: ConversationAddress[] = [
          { userId: 'a', conversationId: 'b:c' },
          { userId: 'a:b', conversationId: 'c' },
          { tenantId: 'a', userId: 'b', conversationId: 'c' },
          { userId: 'a}b', conversationId: '{c}' },
          { userId: '*', conversationId: '*' },
          { userId: 'a b', conversationId: '%3A' },
          { userId: 'a%20b', conversationId: ':' },
          { userId: 'ünï', conversationId: '会话' },
        ];
        for (const [index, address] of tricky.entries()) await memory.append(address, [user(`#${index}`)]);
        for (const [index, address] of tricky.entries())
          expect(contents(await memory.read(address))).toEqual([`#${index}`]);
        expect((await memory.listConversations('*')).map((summary) => summary.conversationId)).toEqual(['*']);
        expect(await memory.deleteUser('*')).toBe(1);
        expect(await memory.deleteUser('a')).toBe(1);
        for (const address of tricky.slice(1).filter((address) => address.userId !== '*'))
          expect(await memory.read(address)).toHaveLength(1);
      });
    });

    describe('clear and deleteUser', () => {
      it('clear removes one conversation and its index entry', async () => {
        const memory = await fresh();
        const other = { userId: 'alice', conversationId: 'c2' };
        await memory.append(alice, [user('x')]);
        await memory.append(other, [user('y')]);
        expect(await memory.clear(alice)).toBe(true);
        expect(await memory.clear(alice)).toBe(false);
        expect(await memory.read(alice)).toEqual([]);
        expect(contents(await memory.read(other))).toEqual(['y']);
        expect((await memory.listConversations('alice')).map((summary) => summary.conversationId)).toEqual([
          'c2',
        ]);
      });

      it('deleteUser forgets every conversation and the index of that user only', async () => {
        const memory = await fresh();
        for (let index = 0; index < 5; index++)
          await memory.append({ userId: 'alice', conversationId: `c${index}` }, [user('x'), user('y')]);
        await memory.append({ userId: 'bob', conversationId: 'c0' }, [user('bob')]);
        expect(await memory.deleteUser('alice')).toBe(5);
        expect(await memory.listConversations('alice')).toEqual([]);
        for (let index = 0; index < 5; index++)
          expect(await memory.read({ userId: 'alice', conversationId: `c${index}` })).toEqual([]);
        expect(contents(await memory.read({ userId: 'bob', conversationId: 'c0' }))).toEqual(['bob']);
        expect(await memory.listConversations('bob')).toHaveLength(1);
        expect(await memory.deleteUser('alice')).toBe(0);
        // The user can start over.
        await memory.append(alice, [user('fresh')]);
        expect(await memory.listConversations('alice')).toHaveLength(1);
      });
    });

    describe('validation', () => {
      const badAddresses: [string, unknown][] = [
        ['empty user id', { userId: '', conversationId: 'c' }],
        ['control character', { userId: 'a\nb', conversationId: 'c' }],
        ['too long', { userId: 'x'.repeat(257), conversationId: 'c' }],
        ['empty tenant', { tenantId: '', userId: 'a', conversationId: 'c' }],
        ['missing conversation', { userId: 'a' }],
        ['not a string', { userId: 42, conversationId: 'c' }],
        ['unknown field', { userId: 'a', conversationId: 'c', sessionId: 's' }],
        ['null', null],
      ];
      for (const [label, address] of badAddresses)
        it(`rejects a bad address (${label}) with InvalidInputError`, async () => {
          const memory = await fresh();
          const bad = address as ConversationAddress;
          await expect(memory.append(bad, [user('x')])).rejects.toBeInstanceOf(InvalidInputError);
          await expect(memory.read(bad)).rejects.toBeInstanceOf(InvalidInputError);
          await expect(memory.clear(bad)).rejects.toBeInstanceOf(InvalidInputError);
          await expect(memory.touch(bad)).rejects.toBeInstanceOf(InvalidInputError);
        });

      it('rejects bad users for listConversations and deleteUser', async () => {
        const memory = await fresh();
        for (const bad of ['', 'a\u0000', { userId: '' }, { tenantId: 'x' }, 7])
          for (const call of [
            () => memory.listConversations(bad as string),
            () => memory.deleteUser(bad as string),
          ])
            await expect(call()).rejects.toBeInstanceOf(InvalidInputError);
      });

      const badMessages: [string, unknown][] = [
        ['unknown role', { role: 'robot', content: 'x' }],
        ['missing content', { role: 'user' }],
        ['numeric content', { role: 'user', content: 42 }],
        ['content block without type', { role: 'user', content: [{ text: 'x' }] }],
        ['tool message without toolCallId', { role: 'tool', content: 'x' }],
        ['toolCallId on a user message', { role: 'user', content: 'x', toolCallId: 'c1' }],
        ['toolCalls on a user message', { role: 'user', content: 'x', toolCalls: [] }],
        ['tool call without name', { role: 'assistant', content: '', toolCalls: [{ id: 'c', args: {} }] }],
        ['client-supplied id', { role: 'user', content: 'x', id: '1-0' }],
        ['metadata that is not JSON', { role: 'user', content: 'x', metadata: { when: new Date() } }],
        ['too large', { role: 'user', content: 'x'.repeat(2000) }],
      ];
      for (const [label, message] of badMessages)
        it(`rejects a bad message (${label}) and writes nothing of the batch`, async () => {
          const memory = await fresh({ maxMessageBytes: 1024 });
          await memory.append(alice, [user('before')]);
          const error = await memory
            .append(alice, [user('good'), message as MessageInput])
            .catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(InvalidInputError);
          expect((error as InvalidInputError).code).toBe('INVALID_INPUT');
          expect(contents(await memory.read(alice))).toEqual(['before']);
          expect((await memory.listConversations('alice'))[0]!.messageCount).toBe(1);
        });

      it('rejects an empty batch, bad read and list options, and a broken token counter', async () => {
        const memory = await fresh();
        await expect(memory.append(alice, [])).rejects.toBeInstanceOf(InvalidInputError);
        for (const options of [
          { last: 0 },
          { last: 1.5 },
          { before: 'abc' },
          { maxTokens: -1 },
          { since: 1 },
        ])
          await expect(memory.read(alice, options as never)).rejects.toBeInstanceOf(InvalidInputError);
        await expect(memory.listConversations('alice', { limit: 0 })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        const broken = await context.create({ tokenCounter: () => Number.NaN });
        await expect(broken.append(alice, [user('x')])).rejects.toBeInstanceOf(InvalidInputError);
        expect(await memory.read(alice)).toEqual([]);
      });

      it('rejects bad options with InvalidOptionsError', async () => {
        await fresh();
        for (const options of [{ ttlMs: 0 }, { maxMessages: 0 }, { maxMessageBytes: 1 }, { tokenCounter: 5 }])
          await expect(async () => context.create(options as never)).rejects.toBeInstanceOf(
            InvalidOptionsError,
          );
      });
    });

    describe('concurrency', () => {
      it('loses nothing and keeps one total order when several writers append at once', async () => {
        await fresh();
        const writers = await Promise.all([1, 2, 3, 4].map(() => context.create()));
        const perWriter = 50;
        await Promise.all(
          writers.map(async (memory, writer) => {
            for (let index = 0; index < perWriter; index += 5)
              await memory.append(
                alice,
                Array.from({ length: 5 }, (_, offset) => user(`${writer}:${index + offset}`)),
              );
          }),
        );
        const all = await writers[0]!.read(alice);
        expect(all).toHaveLength(writers.length * perWriter);
        expect(new Set(all.map((message) => message.id)).size).toBe(all.length);
        for (let index = 1; index < all.length; index++)
          expect(compareMessageIds(all[index - 1]!.id, all[index]!.id)).toBeLessThan(0);
        for (let writer = 0; writer < writers.length; writer++) {
          const own = contents(all).filter((text) => text.startsWith(`${writer}:`));
          expect(own).toEqual(Array.from({ length: perWriter }, (_, index) => `${writer}:${index}`));
        }
      });
    });
  });
}
