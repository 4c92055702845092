import { AIMessage, ToolMessage } from '@langchain/core/messages';
import { FakeListChatModel, SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { InvalidInputError, LocalNgramEmbedder, TristackError } from '@tristack/core';
import { describe, expect, it } from 'vitest';
import { TristackLlmCache } from './cache/index.js';
import { TristackChatMessageHistory, toLangChainChatHistory } from './chat-history/index.js';
import { driverTable } from './drivers.fixture.js';
import { LangChainEmbedder, fromLangChainEmbeddings, toLangChainEmbeddings } from './embeddings/index.js';

const table = driverTable();
const address = { tenantId: 't', userId: 'u1', conversationId: 'c1' };

describe.each(['memory', 'redis'] as const)('LangChain components with %s drivers', (kind) => {
  const drivers = () => table[kind]();

  it('chat history: another worker reads the same messages (types, ids, tool calls); clear empties it', async () => {
    const set = drivers();
    const writer = toLangChainChatHistory(set.memory(), address);
    await writer.addUserMessage('weather in Oslo?');
    await writer.addMessages([
      new AIMessage({
        id: 'ai-1',
        content: '',
        tool_calls: [{ id: 'call-1', name: 'weather', args: { city: 'Oslo' }, type: 'tool_call' }],
      }),
      new ToolMessage({ content: 'sunny', tool_call_id: 'call-1' }),
      new AIMessage({ id: 'ai-2', content: 'It is sunny in Oslo.' }),
    ]);
    const reader = new TristackChatMessageHistory({ memory: set.memory(), address });
    const messages = await reader.getMessages();
    expect(messages.map((message) => [message.getType(), message.text])).toEqual([
      ['human', 'weather in Oslo?'],
      ['ai', ''],
      ['tool', 'sunny'],
      ['ai', 'It is sunny in Oslo.'],
    ]);
    expect((messages[1] as AIMessage).tool_calls).toMatchObject([{ id: 'call-1', args: { city: 'Oslo' } }]);
    expect((messages[2] as ToolMessage).tool_call_id).toBe('call-1');
    expect(messages[3]!.id).toBe('ai-2');
    const windowed = toLangChainChatHistory(set.memory(), address, { maxMessages: 2 });
    expect((await windowed.getMessages()).map((message) => message.text)).toEqual([
      'sunny',
      'It is sunny in Oslo.',
    ]);
    const other = toLangChainChatHistory(set.memory(), { ...address, userId: 'u2' });
    expect(await other.getMessages()).toEqual([]);
    await reader.clear();
    expect(await writer.getMessages()).toEqual([]);
  });

  it('chat history: a bad address is an InvalidInputError before anything is written', () => {
    const set = drivers();
    expect(() => toLangChainChatHistory(set.memory(), { userId: 'u', conversationId: '' })).toThrow(
      InvalidInputError,
    );
  });

  it('legacy LLM cache: second identical call is served, another call option or tenant misses', async () => {
    const cache = new TristackLlmCache({
      cache: await drivers().cache(),
      tenant: 'acme',
      identity: () => ({ userId: 'u1' }),
    });
    const model = new FakeListChatModel({ responses: ['first', 'second', 'third', 'fourth'], cache });
    expect((await model.invoke('capital of France?')).text).toBe('first');
    const again = await model.invoke('capital of France?');
    expect(again.text).toBe('first');
    expect(again.usage_metadata?.total_tokens).toBe(0);
    // Call options are part of LangChain's llm key: a bound tool set is another scope.
    const withTools = {
      tools: [{ type: 'function', function: { name: 'lookup', description: 'looks up', parameters: {} } }],
    } as Parameters<typeof model.invoke>[1];
    expect((await model.invoke('capital of France?', withTools)).text).toBe('second');
    expect((await model.invoke('capital of France?', withTools)).text).toBe('second');
    const otherTenant = new FakeListChatModel({
      responses: ['other tenant'],
      cache: new TristackLlmCache({
        cache: await drivers().cache(),
        tenant: 'globex',
        identity: () => ({ userId: 'u1' }),
      }),
    });
    expect((await otherTenant.invoke('capital of France?')).text).toBe('other tenant');
  });

  it('legacy LLM cache: a paraphrase hits the semantic tier unless semantic is off', async ({ skip }) => {
    const semanticCache = await drivers().cache({ similarityThreshold: 0.6 });
    if (!semanticCache.semanticTier.available)
      skip(`semantic tier unavailable here: ${semanticCache.semanticTier.reason}`);
    const model = new FakeListChatModel({
      responses: ['Paris', 'uncached'],
      cache: new TristackLlmCache({ cache: semanticCache, shareAcrossUsers: true }),
    });
    await model.invoke('What is the capital city of France?');
    expect((await model.invoke('what is the capital city of france')).text).toBe('Paris');
    const exactOnly = new FakeListChatModel({
      responses: ['exact only'],
      cache: new TristackLlmCache({ cache: semanticCache, semantic: false, shareAcrossUsers: true }),
    });
    expect((await exactOnly.invoke('what is the capital city of France?')).text).toBe('exact only');
  });

  it('LangChain embeddings as the embedder of a semantic cache', async ({ skip }) => {
    const embedder = await fromLangChainEmbeddings(new SyntheticEmbeddings({ vectorSize: 32 }), {
      id: 'synthetic-32',
    });
    expect(embedder.dimensions).toBe(32);
    const cache = await drivers().cache({ embedder, similarityThreshold: 0.99 });
    if (!cache.semanticTier.available) skip(`semantic tier unavailable here: ${cache.semanticTier.reason}`);
    // Same match text, different content: the exact tier misses, the embedder's vectors match.
    const request = (text: string) => ({
      tenant: 't',
      model: 'm',
      messages: [{ role: 'user', content: text }],
      matchText: 'hello there',
    });
    await cache.store(request('hello there!'), { content: 'hi' });
    const found = await cache.lookup(request('hello there?'));
    expect(found).toMatchObject({ hit: true, kind: 'semantic' });
    expect(await cache.lookup({ ...request('hello there?'), matchText: 'quantum physics' })).toMatchObject({
      hit: false,
    });
  });
});

describe('Embeddings ⇄ Embedder adapters', () => {
  it('a core Embedder serves LangChain embedDocuments/embedQuery with the same vectors', async () => {
    const embedder = new LocalNgramEmbedder({ dimensions: 64 });
    const embeddings = toLangChainEmbeddings(embedder);
    const [documents, query] = await Promise.all([
      embeddings.embedDocuments(['red apples', 'blue ocean']),
      embeddings.embedQuery('red apples'),
    ]);
    expect(documents).toEqual(await embedder.embed(['red apples', 'blue ocean']));
    expect(query).toEqual(documents[0]);
    expect(await embeddings.embedDocuments([])).toEqual([]);
  });

  it('LangChain embeddings as a core Embedder; a wrong-sized answer is an INTEGRITY error', async () => {
    const synthetic = new SyntheticEmbeddings({ vectorSize: 8 });
    const embedder = new LangChainEmbedder({ embeddings: synthetic, id: 'synthetic', dimensions: 8 });
    const vectors = await embedder.embed(['a', 'b']);
    expect(vectors).toEqual(await synthetic.embedDocuments(['a', 'b']));
    const lying = new LangChainEmbedder({ embeddings: synthetic, id: 'synthetic', dimensions: 16 });
    const error = await lying.embed(['a']).catch((caught: unknown) => caught);
    expect(TristackError.hasCode(error, 'INTEGRITY')).toBe(true);
    expect(() => new LangChainEmbedder({ embeddings: synthetic, id: '', dimensions: 8 })).toThrow(
      /invalid LangChainEmbedder options/,
    );
  });
});
