import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { CoalescingTokenStreamWriter } from './coalescing-token-stream-writer.js';
import type { TokenStreamSink, TokenStreamSinkReply } from './token-stream-backend.js';
import { TOKEN_STREAM_DEFAULTS } from './token-stream-options.js';

/** A sink that records each batch; `hold()` keeps the next append in flight until released. */
function recordingSink() {
  const batches: string[][] = [];
  let held: Promise<void> | undefined;
  let release = () => {};
  const sink: TokenStreamSink = {
    async append(chunks): Promise<TokenStreamSinkReply> {
      batches.push([...chunks]);
      if (held) await held;
      return { ok: true };
    },
    heartbeat: async () => ({ ok: true }),
  };
  return {
    sink,
    batches,
    hold() {
      held = new Promise<void>((resolve) => (release = resolve));
    },
    release() {
      held = undefined;
      release();
    },
  };
}

function writerOn(sink: TokenStreamSink, coalesceMs: number) {
  const settings = { ...TOKEN_STREAM_DEFAULTS, coalesceMs, heartbeatIntervalMs: 0 };
  return new CoalescingTokenStreamWriter('s', settings, sink, 'test');
}

describe('CoalescingTokenStreamWriter', () => {
  it('sends the first chunk after an idle gap at once, with what is written in the same turn', async () => {
    // The writer's clock moves only when the test says (a real millisecond lost to the scheduler
    // would open an idle gap the test does not mean).
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const store = recordingSink();
      const writer = writerOn(store.sink, 10_000);
      // Right after open the writer is not idle: the chunk waits for company.
      await writer.write('a');
      await nextTurn();
      expect(store.batches).toEqual([]);
      vi.advanceTimersByTime(5);
      await writer.write('b');
      await writer.write('c');
      await nextTurn();
      expect(store.batches).toEqual([['a', 'b', 'c']]);
      vi.advanceTimersByTime(5);
      await writer.write('d');
      await nextTurn();
      expect(store.batches).toEqual([['a', 'b', 'c'], ['d']]);
      await writer.end();
    } finally {
      vi.useRealTimers();
    }
  });

  it('coalesces what is written while a flush is in flight into the next entry', async () => {
    const store = recordingSink();
    const writer = writerOn(store.sink, 10_000);
    await sleep(5);
    store.hold();
    await writer.write('x');
    await nextTurn();
    expect(store.batches).toEqual([['x']]);
    for (const chunk of ['y', 'z']) await writer.write(chunk);
    await sleep(5);
    // Still one in flight: a later chunk joins the queue instead of starting its own flush.
    await writer.write('w');
    await nextTurn();
    expect(store.batches).toEqual([['x']]);
    store.release();
    await writer.flush();
    expect(store.batches).toEqual([['x'], ['y', 'z', 'w']]);
    await writer.end();
  });

  it('sends a chunk written right after the previous one was stored at once, without the timer', async () => {
    // The clock stands still (no idle gap can open) and the coalescing timer never fires on its
    // own: only "everything before was stored" can let these chunks out before an explicit flush.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const store = recordingSink();
      const writer = writerOn(store.sink, 10_000);
      await writer.write('a');
      await writer.flush();
      expect(store.batches).toEqual([['a']]);
      // A writer that waits for its reader: each chunk comes well within IDLE_GAP_MS of the last.
      for (const chunk of ['b', 'c', 'd']) {
        await writer.write(chunk);
        await nextTurn();
        expect(store.batches.at(-1)).toEqual([chunk]);
      }
      expect(store.batches).toEqual([['a'], ['b'], ['c'], ['d']]);
      // Under pressure chunks still coalesce: two written in one turn share an entry, and what
      // is written while that flush is in flight follows as soon as it lands.
      store.hold();
      await writer.write('e');
      await writer.write('f');
      await nextTurn();
      await writer.write('g');
      await writer.write('h');
      await nextTurn();
      expect(store.batches.slice(4)).toEqual([['e', 'f']]);
      store.release();
      await nextTurn();
      await nextTurn();
      expect(store.batches.slice(4)).toEqual([
        ['e', 'f'],
        ['g', 'h'],
      ]);
      await writer.end();
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits coalesceMs for a burst that starts right after open', async () => {
    // The burst comes in the writer's first instant; real time passes, the writer's clock does not.
    vi.useFakeTimers({ toFake: ['performance'] });
    try {
      const store = recordingSink();
      const writer = writerOn(store.sink, 10_000);
      for (const chunk of ['1', '2', '3']) await writer.write(chunk);
      await sleep(5);
      expect(store.batches).toEqual([]);
      await writer.flush();
      expect(store.batches).toEqual([['1', '2', '3']]);
      await writer.end();
    } finally {
      vi.useRealTimers();
    }
  });
});
