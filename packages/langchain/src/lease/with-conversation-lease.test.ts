import { HumanMessage } from '@langchain/core/messages';
import { InvalidInputError, LeaseBusyError } from '@tristack/core';
import { describe, expect, it, vi } from 'vitest';
import { driverTable } from '../drivers.fixture.js';
import { leaseGraph } from './lease-graph.fixture.js';
import { withConversationLease } from './with-conversation-lease.js';

const table = driverTable();
// A fresh message per run: LangGraph assigns ids to input messages in place.
const ask = () => ({ messages: [new HumanMessage('hi')] });
const thread = (id: string) => ({ configurable: { thread_id: id } });

/** A graph whose runs log start/end and pause until released, in arrival order. */
function gatedGraph() {
  const log: string[] = [];
  const gates: (() => void)[] = [];
  let started!: () => void;
  let nextStart = new Promise<void>((resolve) => (started = resolve));
  const graph = leaseGraph({
    onStart: async (token) => {
      log.push(`start ${String(token)}`);
      const release = new Promise<void>((resolve) => gates.push(resolve));
      started();
      await release;
    },
    onEnd: async (token) => {
      log.push(`end ${String(token)}`);
    },
  });
  return {
    graph,
    log,
    /** Waits until the next run started (without releasing it). */
    waitForStart: () => nextStart,
    /** Waits until a run started, then lets it finish. */
    async releaseNext() {
      await nextStart;
      nextStart = new Promise<void>((resolve) => (started = resolve));
      gates.shift()!();
    },
  };
}

describe.each(['memory', 'redis'] as const)('withConversationLease with %s drivers', (kind) => {
  for (const policy of ['wait', 'queue'] as const) {
    it(`${policy}: two concurrent runs of one thread are serialised, fenced with rising tokens`, async () => {
      const { graph, log, releaseNext } = gatedGraph();
      const leased = withConversationLease(graph, table[kind]().lease(), { policy, waitMs: 10_000 });
      const first = leased.invoke(ask(), thread('t1'));
      const second = leased.invoke(ask(), thread('t1'));
      await releaseNext();
      await releaseNext();
      const [one, two] = await Promise.all([first, second]);
      const tokens = log.map((line) => Number(line.split(' ')[1]));
      expect(log.map((line) => line.split(' ')[0])).toEqual(['start', 'end', 'start', 'end']);
      expect(tokens[0]).toBe(tokens[1]);
      expect(tokens[2]).toBeGreaterThan(tokens[0]!);
      // The checkpoint chain is linear: the second run continued the first one's state.
      expect(one.messages.map((message) => message.text)).toEqual(['hi', `answer 1 (token ${tokens[0]})`]);
      expect(two.messages).toHaveLength(4);
      const history = [];
      for await (const snapshot of graph.getStateHistory(thread('t1'))) history.push(snapshot);
      for (const [index, snapshot] of history.slice(0, -1).entries())
        expect(snapshot.parentConfig?.configurable?.checkpoint_id).toBe(
          history[index + 1]!.config.configurable?.checkpoint_id,
        );
    });
  }

  it('reject: a run of a busy thread fails at once with LeaseBusyError; other threads run', async () => {
    const { graph, releaseNext, waitForStart } = gatedGraph();
    const leased = withConversationLease(graph, table[kind]().lease(), { policy: 'reject' });
    const first = leased.invoke(ask(), thread('t2'));
    await waitForStart();
    await expect(leased.invoke(ask(), thread('t2'))).rejects.toBeInstanceOf(LeaseBusyError);
    const other = leased.invoke(ask(), thread('t3'));
    await releaseNext();
    await releaseNext();
    await Promise.all([first, other]);
  });

  it('stream holds the lease until consumed; a run without thread_id is an InvalidInputError', async () => {
    const { graph, releaseNext } = gatedGraph();
    const lease = table[kind]().lease();
    const leased = withConversationLease(graph, lease, { policy: 'reject' });
    const streaming = leased.stream(ask(), { ...thread('t4'), streamMode: 'values' } as never);
    await releaseNext();
    const chunks = [];
    for await (const chunk of await streaming) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(0);
    // Released after the stream was consumed: the thread is free again.
    expect(await lease.tryAcquire('t4')).toBeDefined();
    await expect(leased.invoke(ask(), {})).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('withConversationLease on a createAgent-style run (context, no thread_id)', () => {
  /** A graph that records the config of each run and holds it until released. */
  function contextGraph() {
    const configs: Record<string, unknown>[] = [];
    const gates: (() => void)[] = [];
    const run = async (_input: unknown, config?: object) => {
      configs.push(config as Record<string, unknown>);
      await new Promise<void>((resolve) => gates.push(resolve));
      return 'done';
    };
    return {
      graph: { invoke: run, stream: async () => [] as never },
      configs,
      releaseAll: () => gates.splice(0).forEach((release) => release()),
    };
  }
  const context = (userId: string, conversationId = 'c1') => ({
    context: { tenantId: 'acme', userId, conversationId },
  });

  it("leases the context's tenant, user and conversation: two users' same conversation id never share a lease", async () => {
    const { graph, configs, releaseAll } = contextGraph();
    const lease = driverTable().memory().lease();
    const leased = withConversationLease(graph, lease, { policy: 'reject' });
    const alice = leased.invoke(ask(), context('alice'));
    const bob = leased.invoke(ask(), context('bob'));
    await vi.waitFor(() => expect(configs).toHaveLength(2));
    await expect(leased.invoke(ask(), context('alice'))).rejects.toBeInstanceOf(LeaseBusyError);
    // The graph gets the run's context, with the fencing token added to configurable.
    expect(configs[0]).toMatchObject({
      context: { userId: 'alice' },
      configurable: { fencing_token: expect.any(Number) },
    });
    releaseAll();
    await Promise.all([alice, bob]);
  });

  it('a run with neither thread_id nor context.conversationId is an InvalidInputError naming both', async () => {
    const { graph } = contextGraph();
    const leased = withConversationLease(graph, driverTable().memory().lease());
    await expect(leased.invoke(ask(), { context: { userId: 'alice' } })).rejects.toThrow(
      /configurable\.thread_id or context\.conversationId/,
    );
  });
});
