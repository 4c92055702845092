/**
 * Regression tests of issue 16 (identity isolation) for the legacy LangChain cache adapter: it
 * must not serve one user's tool-derived answer to another, and with `shareAcrossUsers` a personal
 * system prompt or history stays exact scope.
 */
import {
  AIMessage,
  ChatMessage,
  getBufferString,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { describe, expect, it } from 'vitest';
import { driverTable } from '../drivers.fixture.js';
import { messagesOfBufferString } from './buffer-string-messages.js';
import { TristackLlmCache } from './tristack-llm-cache.js';

/** A transcript whose answer is computed from what the inbox tool returned for the caller. */
const inboxTranscript = (inbox: string): BaseMessage[] => [
  new HumanMessage("What's in my inbox?"),
  new AIMessage({
    content: '',
    tool_calls: [{ id: 'call-1', name: 'list_inbox', args: {}, type: 'tool_call' }],
  }),
  new ToolMessage({ content: inbox, tool_call_id: 'call-1' }),
];

/** A graph whose node calls the model without passing its config (the cache reads the run's context). */
function graphOf(model: FakeListChatModel) {
  return new StateGraph(MessagesAnnotation)
    .addNode('model', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addEdge(START, 'model')
    .compile();
}

const table = driverTable();

describe.each(['memory', 'redis'] as const)('TristackLlmCache isolation with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it("never serves one user's tool-derived answer to another, even when sharing is on", async () => {
    const semanticCache = await drivers().cache({ similarityThreshold: 0.5 });
    for (const shareAcrossUsers of [false, true]) {
      const model = new FakeListChatModel({
        responses: ['Alice: Jane Miller wrote about rent.', 'Bob: same mail', 'Bob: the dentist moved you.'],
        cache: new TristackLlmCache({
          cache: semanticCache,
          shareAcrossUsers,
          tenant: `t-${shareAcrossUsers}`,
        }),
      });
      const graph = graphOf(model);
      const run = (userId: string, inbox: string) =>
        graph.invoke({ messages: inboxTranscript(inbox) }, { context: { userId } });
      const last = (state: { messages: BaseMessage[] }) => state.messages.at(-1)!.text;
      expect(last(await run('alice', 'From Jane Miller: rent due Friday.'))).toBe(
        'Alice: Jane Miller wrote about rent.',
      );
      // Alice's exact repeat is served from her scope.
      expect(last(await run('alice', 'From Jane Miller: rent due Friday.'))).toBe(
        'Alice: Jane Miller wrote about rent.',
      );
      // Bob with the very same transcript, then with his own (similar) one: never alice's answer.
      expect(last(await run('bob', 'From Jane Miller: rent due Friday.'))).toBe('Bob: same mail');
      expect(last(await run('bob', 'From the dentist: moved to Monday.'))).toBe(
        'Bob: the dentist moved you.',
      );
    }
  });

  it('caches nothing for a run without a user unless shareAcrossUsers is set', async () => {
    const cache = await drivers().cache();
    const personal = new FakeListChatModel({
      responses: ['one', 'two'],
      cache: new TristackLlmCache({ cache }),
    });
    expect((await personal.invoke('Who am I?')).text).toBe('one');
    expect((await personal.invoke('Who am I?')).text).toBe('two');
    const faq = new FakeListChatModel({
      responses: ['We open at 9.', 'uncached'],
      cache: new TristackLlmCache({ cache, shareAcrossUsers: true }),
    });
    expect((await faq.invoke('When do you open?')).text).toBe('We open at 9.');
    expect((await faq.invoke('When do you open?')).text).toBe('We open at 9.');
    // A tool result in the prompt needs a user, even with sharing on.
    const withTool = [new HumanMessage('weather?'), new ToolMessage({ content: 'sunny', tool_call_id: 'c' })];
    const toolFaq = new FakeListChatModel({
      responses: ['sunny 1', 'sunny 2'],
      cache: new TristackLlmCache({ cache, shareAcrossUsers: true }),
    });
    expect((await toolFaq.invoke(withTool)).text).toBe('sunny 1');
    expect((await toolFaq.invoke(withTool)).text).toBe('sunny 2');
  });

  it('with shareAcrossUsers, a personal system prompt or history keeps users apart', async () => {
    const semanticCache = await drivers().cache();
    const model = new FakeListChatModel({
      responses: ['for alice', 'for bob', 'for carol', 'for dave', 'unused'],
      cache: new TristackLlmCache({ cache: semanticCache, shareAcrossUsers: true }),
    });
    const graph = graphOf(model);
    const run = async (userId: string, messages: BaseMessage[]) =>
      (await graph.invoke({ messages }, { context: { tenantId: 'acme', userId } })).messages.at(-1)!.text;
    const base =
      'You are a careful health assistant for our clinic. Answer briefly and cite the care plan when relevant. ';
    const question = () => new HumanMessage('what is my diagnosis and which medication do I take?');
    const system = (record: string) => new SystemMessage(`${base}Patient record: ${record}`);
    expect(await run('alice', [system('diabetes; metformin.'), question()])).toBe('for alice');
    expect(await run('bob', [system('asthma; salbutamol.'), question()])).toBe('for bob');
    const history = (record: string) => [
      new HumanMessage(`${base}My record says: ${record}`),
      new AIMessage('Thanks, noted.'),
      question(),
    ];
    expect(await run('carol', history('gout; allopurinol.'))).toBe('for carol');
    expect(await run('dave', history('migraine; sumatriptan.'))).toBe('for dave');
    // Sharing still works: another user with alice's very system prompt and question is served.
    expect(await run('erin', [system('diabetes; metformin.'), question()])).toBe('for alice');
  });

  it("treats a generic 'tool' message as a tool result: never shared across users", async () => {
    const semanticCache = await drivers().cache();
    const model = new FakeListChatModel({
      responses: ['alice: sunny', 'bob: rainy'],
      cache: new TristackLlmCache({ cache: semanticCache, shareAcrossUsers: true }),
    });
    const graph = graphOf(model);
    const run = async (userId: string, weather: string) =>
      (
        await graph.invoke(
          { messages: [new HumanMessage('weather?'), new ChatMessage({ role: 'tool', content: weather })] },
          { context: { tenantId: 'acme', userId } },
        )
      ).messages.at(-1)!.text;
    expect(await run('alice', 'sunny at home')).toBe('alice: sunny');
    expect(await run('bob', 'sunny at home')).toBe('bob: rainy');
  });
});

describe('messagesOfBufferString', () => {
  it('recovers the roles getBufferString wrote, tool results included', () => {
    const messages = [
      new SystemMessage('Be brief.\nReally.'),
      new HumanMessage('hi'),
      new AIMessage('hello'),
      new ChatMessage({ role: 'tool', content: 'sunny' }),
      new HumanMessage('and tomorrow?'),
    ];
    const parsed = messagesOfBufferString(getBufferString(messages));
    expect(parsed.map((message) => [message.getType(), message.text])).toEqual([
      ['system', 'Be brief.\nReally.'],
      ['human', 'hi'],
      ['ai', 'hello'],
      ['generic', 'sunny'],
      ['human', 'and tomorrow?'],
    ]);
    expect(messagesOfBufferString('a plain prompt').map((message) => message.text)).toEqual([
      'a plain prompt',
    ]);
  });
});
