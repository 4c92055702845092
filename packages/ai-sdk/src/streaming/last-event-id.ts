const ID = /^(\d{1,20})-(\d{1,20}):(\d{1,15})$/;
const MAX_ENTRY_PART = 18_446_744_073_709_551_615n;

/**
 * The `Last-Event-ID` a client sent, if it can be an id of a token stream: anything else (garbage,
 * an oversized header, an entry id past what a stream can hold) resumes from the start, which the
 * AI SDK's client handles as a replay, rather than failing the request with a store's error.
 */
export function resumeAfter(lastEventId: string | null | undefined): string | undefined {
  if (!lastEventId || lastEventId.length > 64) return undefined;
  const match = ID.exec(lastEventId);
  if (!match) return undefined;
  if (BigInt(match[1]!) > MAX_ENTRY_PART || BigInt(match[2]!) > MAX_ENTRY_PART) return undefined;
  if (!Number.isSafeInteger(Number(match[3]))) return undefined;
  return lastEventId;
}
