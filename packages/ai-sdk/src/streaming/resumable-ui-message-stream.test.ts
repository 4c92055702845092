import { describe, expect, it } from 'vitest';
import { InMemoryConversationMemory, InMemoryTokenStream } from '@tristack/core';
import { MissingRunIdentityError, withRunIdentity } from '../run-identity.js';
import {
  resumableUIMessageStream,
  resumeUIMessageStreamResponse,
  stopUIMessageStream,
} from './resumable-ui-message-stream.js';

const alice = { tenantId: 'acme', userId: 'alice' };
const bob = { tenantId: 'acme', userId: 'bob' };

/** A UI message stream as `toUIMessageStreamResponse` hands it to `consumeSseStream`. */
const sse = (...chunks: object[]) =>
  new ReadableStream<string>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(`data: ${JSON.stringify(chunk)}\n\n`);
      controller.enqueue('data: [DONE]\n\n');
      controller.close();
    },
  });

const events = async (response: Response) =>
  (await response.text())
    .split('\n\n')
    .filter(Boolean)
    .map((event) => ({
      id: /^id: (.*)$/m.exec(event)?.[1],
      data: /^data: (.*)$/m.exec(event)![1]!,
    }));

function setup() {
  return { tokens: new InMemoryTokenStream(), pointers: new InMemoryConversationMemory() };
}

describe('resumable UI message streams: owned by the user, one per turn', () => {
  it('another user naming the same chat id neither reads, stops nor takes over the stream', async () => {
    const { tokens, pointers } = setup();
    const opened = await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice });
    // Bob starts a stream with alice's chat id: his own, no clash with hers.
    const bobs = await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: bob });
    expect(bobs.streamId).not.toBe(opened.streamId);
    await bobs.consumeSseStream({ stream: sse({ type: 'text-delta', delta: 'bob' }) });
    // Bob resumes and stops "chat-1": he gets his own stream only.
    const read = await withRunIdentity(bob, () =>
      resumeUIMessageStreamResponse(tokens, { chatId: 'chat-1', pointers }),
    );
    expect((await events(read)).map((event) => event.data)).toEqual([
      '{"type":"text-delta","delta":"bob"}',
      '[DONE]',
    ]);
    expect(await stopUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: bob })).toBe(false);
    expect(opened.abortSignal.aborted).toBe(false);
    // A user with no stream in the chat gets 204.
    const carol = await resumeUIMessageStreamResponse(tokens, {
      chatId: 'chat-1',
      pointers,
      identity: { tenantId: 'acme', userId: 'carol' },
    });
    expect(carol.status).toBe(204);
    // Alice stops her own.
    expect(await stopUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice })).toBe(true);
  });

  it('the same user in another tenant is another owner', async () => {
    const { tokens, pointers } = setup();
    await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice });
    const elsewhere = await resumeUIMessageStreamResponse(tokens, {
      chatId: 'chat-1',
      pointers,
      identity: { tenantId: 'other', userId: 'alice' },
    });
    expect(elsewhere.status).toBe(204);
  });

  it('a second message in the same chat starts a new stream, and resume finds the newest', async () => {
    const { tokens, pointers } = setup();
    const first = await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice });
    await first.consumeSseStream({ stream: sse({ type: 'text-delta', delta: 'one' }) });
    const second = await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice });
    expect(second.streamId).not.toBe(first.streamId);
    await second.consumeSseStream({ stream: sse({ type: 'text-delta', delta: 'two' }) });
    const read = await resumeUIMessageStreamResponse(tokens, { chatId: 'chat-1', pointers, identity: alice });
    expect((await events(read))[0]!.data).toBe('{"type":"text-delta","delta":"two"}');
  });

  it('refuses a caller naming no user', async () => {
    const { tokens, pointers } = setup();
    await expect(
      resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: { tenantId: 'acme' } }),
    ).rejects.toBeInstanceOf(MissingRunIdentityError);
    await expect(
      resumeUIMessageStreamResponse(tokens, { chatId: 'chat-1', pointers }),
    ).rejects.toBeInstanceOf(MissingRunIdentityError);
  });

  it('a hostile Last-Event-ID resumes from the start; a valid one resumes after it', async () => {
    const { tokens, pointers } = setup();
    const opened = await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice });
    await opened.consumeSseStream({
      stream: sse({ type: 'text-delta', delta: 'a' }, { type: 'text-delta', delta: 'b' }),
    });
    const resume = (lastEventId: string) =>
      resumeUIMessageStreamResponse(tokens, {
        chatId: 'chat-1',
        pointers,
        identity: alice,
        request: new Request('http://x/', { headers: { 'last-event-id': lastEventId } }),
      });
    const all = await events(await resume('garbage'));
    expect(all).toHaveLength(3);
    for (const hostile of [
      'x'.repeat(10_000),
      '-1-0:0',
      '99999999999999999999-0:0',
      '1-2:99999999999999999',
    ]) {
      const response = await resume(hostile);
      expect(response.status).toBe(200);
      expect((await events(response)).map((event) => event.data)).toEqual(all.map((event) => event.data));
    }
    const rest = await events(await resume(all[0]!.id!));
    expect(rest.map((event) => event.data)).toEqual([all[1]!.data, '[DONE]']);
  });

  it("a failed stream ends with an error chunk naming only the code, not the producer's message", async () => {
    const { tokens, pointers } = setup();
    const opened = await resumableUIMessageStream(tokens, { chatId: 'chat-1', pointers, identity: alice });
    const failing = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('data: {"type":"start"}\n\n');
        controller.error(new Error('ERR Invalid stream ID script: f_123 secret'));
      },
    });
    await opened.consumeSseStream({ stream: failing });
    const body = await (
      await resumeUIMessageStreamResponse(tokens, { chatId: 'chat-1', pointers, identity: alice })
    ).text();
    expect(body).toContain('"type":"error"');
    expect(body).not.toContain('secret');
  });
});
