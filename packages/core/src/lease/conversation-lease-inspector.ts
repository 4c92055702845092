/** Who holds a lease now. */
export interface LeaseHolder {
  readonly resource: string;
  readonly holderId: string;
  readonly fencingToken: number;
  /** Ms until the lease lapses unless renewed; undefined when the store keeps no expiry. */
  readonly expiresInMs?: number;
}

/** Read-only view of leases: nothing is taken, renewed or released. */
export interface ConversationLeaseInspector {
  /** The live holder of `resource`'s lease, or undefined when it is free. */
  holder(resource: string): Promise<LeaseHolder | undefined>;
}
