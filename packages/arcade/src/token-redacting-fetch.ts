type Fetch = typeof globalThis.fetch;

const TOKEN_FIELDS = ['token', 'user_info'];

/** Removes `context` (access token, user info) from every authorization-like object in a JSON body. */
export function stripAuthorizationContext(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripAuthorizationContext);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const isContext =
      key === 'context' &&
      typeof item === 'object' &&
      item !== null &&
      TOKEN_FIELDS.some((field) => field in (item as Record<string, unknown>));
    if (!isContext) copy[key] = stripAuthorizationContext(item);
  }
  return copy;
}

/**
 * Wraps `fetch` so Arcade's `AuthorizationResponse.context` (the user's OAuth access token) is
 * dropped before the client parses — or, at `ARCADE_LOG=debug`, logs — a response. The bridge
 * never needs the token, so it never holds one.
 */
export function tokenRedactingFetch(inner: Fetch): Fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const contentType = response.headers.get('content-type') ?? '';
    if (response.status === 204 || !contentType.includes('json')) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    return new Response(JSON.stringify(stripAuthorizationContext(body)), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}
