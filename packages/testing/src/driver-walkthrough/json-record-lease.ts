import {
  systemClock,
  validateId,
  type Clock,
  type ConversationLeaseInspector,
  type ConversationLeaseOptions,
  type Lease,
  type LeaseHolder,
} from '@tristack/core';
import { BaseConversationLease, type LeaseAttempt } from '@tristack/core/driver-kit';

/**
 * The store this walkthrough driver writes to: one JSON document per key, read and written whole,
 * like a row in a SQL table or a file per resource. A `Map` stands in for it here.
 */
export type JsonDocumentStore = Map<string, string>;

/** What one document holds. The token stays after release, so tokens never repeat. */
interface LeaseDocument {
  fencingToken: number;
  holder?: { holderId: string; expiresAt: number };
}

export interface JsonRecordLeaseOptions extends ConversationLeaseOptions {
  /** Documents shared by every instance of a "fleet". @default a private map */
  documents?: JsonDocumentStore;
  /** The store's clock: a driver passes its own, the contract has none. @default systemClock */
  clock?: Clock;
}

/**
 * A third `ConversationLease` driver, written only to show the driver contract: it extends
 * `BaseConversationLease` and implements its four protected store operations over JSON
 * documents. Each operation reads and writes one document with no `await` in between, so it is
 * atomic, as the contract requires (a real store would use a transaction or compare-and-set).
 */
export class JsonRecordLease extends BaseConversationLease {
  private readonly documents: JsonDocumentStore;
  private readonly clock: Clock;

  constructor(options: JsonRecordLeaseOptions = {}) {
    const { documents, clock, ...shared } = options;
    // The base class validates the shared options and throws `InvalidOptionsError`.
    super(shared, 'json-record', 'JsonRecordLease');
    this.documents = documents ?? new Map();
    this.clock = clock ?? systemClock;
  }

  protected async attempt(resource: string, holderId: string, ttlMs: number): Promise<LeaseAttempt> {
    const now = this.clock.now();
    const document = this.read(resource);
    const holder = this.liveHolder(document, now);
    if (holder) return { acquired: false, retryAfterMs: holder.expiresAt - now };
    // At least the clock's ms: tokens keep rising even if a document were lost.
    const fencingToken = Math.max((document?.fencingToken ?? 0) + 1, now);
    const expiresAt = now + ttlMs;
    this.write(resource, { fencingToken, holder: { holderId, expiresAt } });
    return { acquired: true, lease: { resource, fencingToken, holderId, ttlMs, expiresAt } };
  }

  protected async extend(lease: Lease, ttlMs: number) {
    const now = this.clock.now();
    const document = this.read(lease.resource);
    if (!this.heldBy(document, lease, now))
      return { currentFencingToken: this.liveHolder(document, now) ? document?.fencingToken : undefined };
    const expiresAt = now + ttlMs;
    this.write(lease.resource, {
      fencingToken: lease.fencingToken,
      holder: { holderId: lease.holderId, expiresAt },
    });
    return { expiresAt };
  }

  protected async remove(lease: Lease): Promise<boolean> {
    const document = this.read(lease.resource);
    if (!this.heldBy(document, lease, this.clock.now())) return false;
    this.write(lease.resource, { fencingToken: lease.fencingToken });
    return true;
  }

  protected async liveFencingToken(resource: string): Promise<number | undefined> {
    const document = this.read(resource);
    return this.liveHolder(document, this.clock.now()) ? document?.fencingToken : undefined;
  }

  /** Read-only view for `tristack inspect` and the conformance suite. */
  inspector(): ConversationLeaseInspector {
    return {
      holder: async (resource: string): Promise<LeaseHolder | undefined> => {
        validateId(resource, 'lease resource', 'json-record');
        const now = this.clock.now();
        const document = this.read(resource);
        const holder = this.liveHolder(document, now);
        if (!document || !holder) return undefined;
        const { fencingToken } = document;
        return { resource, holderId: holder.holderId, fencingToken, expiresInMs: holder.expiresAt - now };
      },
    };
  }

  private read(resource: string): LeaseDocument | undefined {
    const text = this.documents.get(resource);
    return text === undefined ? undefined : (JSON.parse(text) as LeaseDocument);
  }

  private write(resource: string, document: LeaseDocument): void {
    this.documents.set(resource, JSON.stringify(document));
  }

  private liveHolder(document: LeaseDocument | undefined, now: number) {
    const holder = document?.holder;
    return holder && holder.expiresAt > now ? holder : undefined;
  }

  private heldBy(document: LeaseDocument | undefined, lease: Lease, now: number): boolean {
    const holder = this.liveHolder(document, now);
    return holder?.holderId === lease.holderId && document?.fencingToken === lease.fencingToken;
  }
}
