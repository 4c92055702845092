// Conversation memory keyed by hostile user, tenant and conversation ids: every id reads, lists
// and deletes exactly its own messages.
import type { ConversationAddress, ConversationMemory, UserAddress } from '@tristack/core';
import type { FuzzCase, FuzzDriverFactory, FuzzTarget } from '../fuzz-target.js';
import { markerOf } from '../fuzz-target.js';
import { hostileIds } from '../hostile-ids.js';
import { IdentityTally, inChunks, isAcceptableId } from '../identity-tally.js';

interface OwnerDimension {
  api: string;
  address(id: string): ConversationAddress;
  owner(id: string): UserAddress | string;
  /** Fixed ids instead of generated ones, with their own oracle. */
  ids?: string[];
  acceptable?: (id: string) => boolean;
}

/** One id per owner (user or tenant): append, read, list, then deleteUser half of them. */
async function fuzzOwners<Client>(
  target: FuzzTarget<Client>,
  create: FuzzDriverFactory<ConversationMemory, Client>,
  dimension: OwnerDimension,
): Promise<IdentityTally> {
  const memory = await create(target, dimension.api);
  const tally = new IdentityTally(dimension.api, dimension.acceptable);
  const ids = dimension.ids ?? hostileIds(dimension.api, target.count);
  const accepted: number[] = [];
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, () =>
      memory.append(dimension.address(id), [{ role: 'user', content: markerOf(index) }]),
    );
    if (outcome === 'accepted') accepted.push(index);
  });
  const expectMessages = async (index: number, expected: string[], when: string) => {
    const id = ids[index]!;
    const messages = await tally.check(id, () => memory.read(dimension.address(id)));
    const contents = messages?.map((message) => message.content);
    if (contents && JSON.stringify(contents) !== JSON.stringify(expected))
      tally.collision(id, `${when}: read ${JSON.stringify(contents)}, expected ${JSON.stringify(expected)}`);
  };
  await inChunks(accepted, target.concurrency, async (index) => {
    const id = ids[index]!;
    await expectMessages(index, [markerOf(index)], 'after append');
    const listed = await tally.check(id, () => memory.listConversations(dimension.owner(id)));
    const conversation = dimension.address(id).conversationId;
    if (
      listed &&
      (listed.length !== 1 || listed[0]!.conversationId !== conversation || listed[0]!.messageCount !== 1)
    )
      tally.collision(id, `listConversations: ${JSON.stringify(listed)}`);
  });
  // deleteUser of one owner must delete its one conversation and nobody else's.
  const deleted = accepted.filter((_, position) => position % 2 === 0);
  await inChunks(deleted, target.concurrency, async (index) => {
    const id = ids[index]!;
    const count = await tally.check(id, () => memory.deleteUser(dimension.owner(id)));
    if (count !== undefined && count !== 1) tally.collision(id, `deleteUser deleted ${count} conversations`);
  });
  const gone = new Set(deleted);
  await inChunks(accepted, target.concurrency, (index) =>
    expectMessages(index, gone.has(index) ? [] : [markerOf(index)], 'after deleteUser of half'),
  );
  return tally;
}

/** Many conversations of one user: read, list and clear see exactly each one. */
async function fuzzConversations<Client>(
  target: FuzzTarget<Client>,
  create: FuzzDriverFactory<ConversationMemory, Client>,
): Promise<IdentityTally> {
  const api = 'memory conversationId';
  const memory = await create(target, api);
  const tally = new IdentityTally(api);
  const ids = hostileIds(api, target.count);
  const owner = { tenantId: 'fuzz', userId: 'owner' };
  const address = (id: string) => ({ ...owner, conversationId: id });
  const accepted: number[] = [];
  await inChunks(ids, target.concurrency, async (id, index) => {
    const outcome = await tally.attempt(id, () =>
      memory.append(address(id), [{ role: 'user', content: markerOf(index) }]),
    );
    if (outcome === 'accepted') accepted.push(index);
  });
  const listed = await tally.check('(list)', () => memory.listConversations(owner, { limit: 10_000 }));
  if (listed) {
    const seen = new Map(listed.map((summary) => [summary.conversationId, summary.messageCount]));
    for (const index of accepted)
      if (seen.get(ids[index]!) !== 1)
        tally.collision(ids[index]!, `listConversations shows ${seen.get(ids[index]!)} messages`);
    if (listed.length !== accepted.length)
      tally.collision('(list)', `listConversations has ${listed.length} entries for ${accepted.length} ids`);
  }
  const cleared = new Set(accepted.filter((_, position) => position % 2 === 0));
  await inChunks([...cleared], target.concurrency, async (index) => {
    const existed = await tally.check(ids[index]!, () => memory.clear(address(ids[index]!)));
    if (existed === false) tally.collision(ids[index]!, 'clear found nothing to clear');
  });
  await inChunks(accepted, target.concurrency, async (index) => {
    const id = ids[index]!;
    const messages = await tally.check(id, () => memory.read(address(id)));
    const expected = cleared.has(index) ? [] : [markerOf(index)];
    const contents = messages?.map((message) => message.content);
    if (contents && JSON.stringify(contents) !== JSON.stringify(expected))
      tally.collision(id, `read ${JSON.stringify(contents)}, expected ${JSON.stringify(expected)}`);
  });
  return tally;
}

/** The conversation memory's id-taking APIs, fuzzed on the drivers `create` builds. */
export const conversationMemoryFuzzCase =
  <Client>(create: FuzzDriverFactory<ConversationMemory, Client>): FuzzCase<Client> =>
  async (target) => [
    await fuzzOwners(target, create, {
      api: 'memory userId',
      address: (id) => ({ userId: id, conversationId: 'c' }),
      // The bare-string form of a user address.
      owner: (id) => id,
    }),
    await fuzzOwners(target, create, {
      api: 'memory tenantId',
      address: (id) => ({ tenantId: id, userId: 'u', conversationId: 'c' }),
      owner: (id) => ({ tenantId: id, userId: 'u' }),
    }),
    await fuzzConversations(target, create),
    await fuzzOwners(target, create, {
      api: 'memory tenant+user pairs',
      ids: TENANT_USER_PAIRS.map((pair) => JSON.stringify(pair)),
      acceptable: (pair) => pairOf(pair).every((id) => id === null || isAcceptableId(id)),
      address: (pair) => ({ ...ownerOf(pair), conversationId: 'c' }),
      owner: ownerOf,
    }),
  ];

// Every way one text splits into (tenant, user), and ids that look like composite keys: none of
// these owners may share a key (`tenant:user` joined by hand made (acme, x:y) = (acme:x, y)).
const TENANTS = [
  undefined,
  'acme',
  'acme:x',
  'x',
  'acme:',
  ':acme',
  'tenant=acme',
  'acme{',
  '%',
  'acme\u2000',
];
const USERS = ['x', 'y', 'x:y', 'acme', 'acme:x', 'acme:x:y', 'user=bob', ':y', '}y', 'y ', 'y\uD800'];
const TENANT_USER_PAIRS = TENANTS.flatMap((tenantId) => USERS.map((userId) => [tenantId, userId] as const));
const pairOf = (pair: string) => JSON.parse(pair) as [string | null, string];
function ownerOf(pair: string): UserAddress {
  const [tenantId, userId] = pairOf(pair);
  return tenantId === null ? { userId } : { tenantId, userId };
}
