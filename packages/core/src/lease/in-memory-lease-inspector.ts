import { validateId } from '../ids.js';
import type { ConversationLeaseInspector, LeaseHolder } from './conversation-lease-inspector.js';

/** A lease as `InMemoryConversationLease` keeps it. */
export interface InMemoryLeaseHolder {
  readonly holderId: string;
  readonly fencingToken: number;
  readonly expiresAt: number;
}

/** `ConversationLeaseInspector` over one `InMemoryConversationLease`'s holders. */
export class InMemoryLeaseInspector implements ConversationLeaseInspector {
  constructor(
    private readonly holders: ReadonlyMap<string, InMemoryLeaseHolder>,
    private readonly now: () => number,
  ) {}

  async holder(resource: string): Promise<LeaseHolder | undefined> {
    validateId(resource, 'lease resource', 'memory');
    const holder = this.holders.get(resource);
    const now = this.now();
    if (!holder || holder.expiresAt <= now) return undefined;
    return {
      resource,
      holderId: holder.holderId,
      fencingToken: holder.fencingToken,
      expiresInMs: holder.expiresAt - now,
    };
  }
}
