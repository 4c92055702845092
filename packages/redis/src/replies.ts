/** A hash reply (RESP2 flat array, RESP3 map or object) as a record of strings. */
export function hashReplyToRecord(reply: unknown): Record<string, string> {
  if (reply instanceof Map)
    return Object.fromEntries([...reply].map(([key, value]) => [String(key), String(value)]));
  if (Array.isArray(reply)) {
    const record: Record<string, string> = {};
    for (let index = 0; index + 1 < reply.length; index += 2)
      record[String(reply[index])] = String(reply[index + 1]);
    return record;
  }
  return Object.fromEntries(
    Object.entries((reply ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
  );
}
