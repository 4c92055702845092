import { describe, expect, it } from 'vitest';
import { stripAuthorizationContext, tokenRedactingFetch } from './token-redacting-fetch.js';

describe('tokenRedactingFetch', () => {
  it('drops authorization context (token, user info) at any depth, keeping everything else', () => {
    const body = {
      id: 'ac_1',
      status: 'completed',
      context: { token: 'secret-token', user_info: { email: 'a@b.c' } },
      output: {
        authorization: { context: { token: 'other' } },
        value: { context: 'a tool value named context' },
      },
    };
    expect(stripAuthorizationContext(body)).toEqual({
      id: 'ac_1',
      status: 'completed',
      output: { authorization: {}, value: { context: 'a tool value named context' } },
    });
  });

  it('rewrites JSON responses and passes other responses through untouched', async () => {
    const responses: Record<string, Response> = {
      json: Response.json(
        { status: 'completed', context: { token: 't0k3n' } },
        { headers: { 'x-request': '1' } },
      ),
      text: new Response('plain t0k3n', { headers: { 'content-type': 'text/plain' } }),
      empty: new Response(null, { status: 204 }),
    };
    const fetch = tokenRedactingFetch(async (input) => responses[String(input)]!);
    const json = await fetch('json');
    expect(json.headers.get('x-request')).toBe('1');
    expect(await json.json()).toEqual({ status: 'completed' });
    expect(await (await fetch('text')).text()).toBe('plain t0k3n');
    expect((await fetch('empty')).status).toBe(204);
  });

  it("redacts error bodies (JSON or text) and a failed execution's error, not tool output values", async () => {
    const token = 'gho_Zr8Kq2Wn5Vx9Lm3Pt7Yc1Hb4Jd6Fs0Ga2';
    const responses: Record<string, Response> = {
      json401: Response.json({ name: 'unauthorized', message: `bad token ${token}` }, { status: 401 }),
      text502: new Response(`proxy error, Authorization: Bearer ${token}`, {
        status: 502,
        headers: { 'content-type': 'text/html' },
      }),
      execute: Response.json({
        success: false,
        output: {
          value: { note: `password=${token}` },
          error: { kind: 'UPSTREAM_RUNTIME_AUTH_ERROR', developer_message: `echo ${token}` },
        },
      }),
    };
    const fetch = tokenRedactingFetch(async (input) => responses[String(input)]!);
    const json = await fetch('json401');
    expect(json.status).toBe(401);
    expect(await json.json()).toEqual({ name: 'unauthorized', message: 'bad token [REDACTED]' });
    expect(await (await fetch('text502')).text()).toBe('proxy error, Authorization: [REDACTED]');
    expect(await (await fetch('execute')).json()).toEqual({
      success: false,
      output: {
        value: { note: `password=${token}` },
        error: { kind: 'UPSTREAM_RUNTIME_AUTH_ERROR', developer_message: 'echo [REDACTED]' },
      },
    });
  });
});
