import { Redactor } from '@tristack/core';

type Fetch = typeof globalThis.fetch;

const TOKEN_FIELDS = ['token', 'user_info'];

/** Upstream errors echo credentials (an OAuth token in a 401 body); they are removed on arrival. */
const redactor = new Redactor();

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
 * Redacts what an error can carry: a whole error body (HTTP 4xx/5xx), or the `output.error` of a
 * tool execution that failed with HTTP 200. Tool output values are left as the tool returned them.
 */
export function redactErrorBody(body: unknown, status: number): unknown {
  if (status >= 400) return redactor.redact(body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const output = (body as { output?: unknown }).output;
  if (typeof output !== 'object' || output === null || !('error' in output)) return body;
  const error = (output as { error?: unknown }).error;
  return { ...body, output: { ...output, error: redactor.redact(error) } };
}

function rebuilt(body: string, response: Response): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Wraps `fetch` so Arcade's `AuthorizationResponse.context` (the user's OAuth access token) is
 * dropped before the client parses — or, at `ARCADE_LOG=debug`, logs — a response, and so error
 * bodies (which become `APIError.message` and `developerMessage`) are redacted. The bridge never
 * needs the token, so it never holds one.
 */
export function tokenRedactingFetch(inner: Fetch): Fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const contentType = response.headers.get('content-type') ?? '';
    const failed = response.status >= 400;
    if (response.status === 204 || (!contentType.includes('json') && !failed)) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return rebuilt(failed ? redactor.redactString(text) : text, response);
    }
    return rebuilt(
      JSON.stringify(redactErrorBody(stripAuthorizationContext(body), response.status)),
      response,
    );
  };
}
