import type { Arcade } from '@arcadeai/arcadejs';
import type { ToolResult } from '@tristack/core';
import { FakeArcadeServer } from '@tristack/testing/fake-arcade';
import { afterEach, describe, expect, it } from 'vitest';
import { ArcadeToolProvider } from './arcade-tool-provider.js';

// Upstream services echo credentials into error bodies; none of it may leave the bridge.
const servers: FakeArcadeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup() {
  const server = await FakeArcadeServer.start();
  servers.push(server);
  const provider = new ArcadeToolProvider({
    ...server.clientOptions,
    toolkits: ['Math'],
    logLevel: 'off',
    maxRetries: 0,
  });
  return { server, provider };
}

const OAUTH_TOKEN = 'gho_Fk3vQ9zLm2Xw8RtY6pNc4Hs1Jd7Ba5Ue0Gi2';
const REFRESH_TOKEN = 'r1-Qm7Zx4Lp9Wv2Ks8Nd3Hf6Tb5';
const GOOGLE_TOKEN = 'ya29.a0AfB_byC3kQ9zLm2Xw8RtY6pNc4Hs1Jd7Ba5Ue0Gi2';
const ADD = { userId: 'alice', toolName: 'Math_Add', input: { a: 1, b: 2 } };

function errorOf(result: ToolResult) {
  expect(result.status, JSON.stringify(result)).toBe('tool_error');
  return (result as Extract<ToolResult, { status: 'tool_error' }>).error;
}

describe('ArcadeToolProvider: secrets in upstream errors', () => {
  it('redacts an OAuth token echoed in a tool error (message, developerMessage, prompt content)', async () => {
    const { server, provider } = await setup();
    server.scriptToolOutcome('Math.Add', {
      error: {
        kind: 'UPSTREAM_RUNTIME_AUTH_ERROR',
        message: `GitHub refused token ${OAUTH_TOKEN}`,
        can_retry: false,
        additional_prompt_content: `retry with Authorization: Bearer ${OAUTH_TOKEN}`,
        developer_message: `upstream body: {"access_token":"${OAUTH_TOKEN}","refresh_token":"${REFRESH_TOKEN}"}`,
      },
    });
    const error = errorOf(await provider.execute(ADD));
    const text = JSON.stringify(error);
    expect(text).not.toContain(OAUTH_TOKEN);
    expect(text).not.toContain(REFRESH_TOKEN);
    expect(error).toMatchObject({ kind: 'upstream', providerKind: 'UPSTREAM_RUNTIME_AUTH_ERROR' });
    expect(error.developerMessage).toContain('[REDACTED]');
  });

  it('redacts an HTTP error body that echoes a token (JSON and plain text)', async () => {
    const { server, provider } = await setup();
    server.injectFault({
      path: '/v1/tools/execute',
      fault: {
        type: 'status',
        status: 400,
        body: { name: 'bad_request', message: `invalid grant for access_token=${OAUTH_TOKEN}` },
      },
    });
    const json = errorOf(await provider.execute(ADD));
    expect(JSON.stringify(json)).not.toContain(OAUTH_TOKEN);
    expect(json).toMatchObject({ kind: 'fatal', statusCode: 400 });
    expect(json.developerMessage).toContain('invalid grant');

    server.injectFault({
      path: '/v1/tools/execute',
      fault: { type: 'status', status: 422, body: `upstream said Authorization: token ${OAUTH_TOKEN}` },
    });
    expect(JSON.stringify(errorOf(await provider.execute(ADD)))).not.toContain(OAUTH_TOKEN);
  });
});

/**
 * A client whose tool listing fails with an error quoting the request, token included (as a
 * transport, proxy or SDK error can), without going through the bridge's token-redacting fetch.
 */
function clientFailingWith(message: string): Arcade {
  const client = {
    tools: {
      list: () => {
        throw new Error(message);
      },
    },
    withOptions: () => client,
  };
  return client as unknown as Arcade;
}

// The catalogue-unavailable path of `execute`: its developerMessage comes from the listing
// request's error, whose text repeats the upstream body.
describe('ArcadeToolProvider: catalogue unavailable', () => {
  it('redacts a token quoted by the listing error from developerMessage', async () => {
    const provider = new ArcadeToolProvider({
      client: clientFailingWith(`GET https://api.example.com/v1/tools?access_token=${GOOGLE_TOKEN} failed`),
      toolkits: ['Math'],
    });
    const error = errorOf(await provider.execute(ADD));
    expect(error).toMatchObject({ kind: 'unavailable', canRetry: true });
    expect(error.developerMessage).toContain('could not list tools from Arcade');
    expect(error.developerMessage).toContain('access_token=[REDACTED]');
    expect(JSON.stringify(error)).not.toContain(GOOGLE_TOKEN);
  });

  it('redacts an OAuth token echoed by a failing listing response (HTTP 502 body)', async () => {
    const { server, provider } = await setup();
    server.injectFault({
      method: 'GET',
      path: '/v1/tools',
      fault: {
        type: 'status',
        status: 502,
        body: { name: 'bad_gateway', message: `upstream rejected Authorization: Bearer ${GOOGLE_TOKEN}` },
      },
    });
    const result = await provider.execute(ADD);
    const error = errorOf(result);
    expect(error).toMatchObject({ kind: 'unavailable', canRetry: true });
    // The failure is still explained (status and the upstream's words), only the token is gone.
    expect(error.developerMessage).toContain('502');
    expect(error.developerMessage).toContain('[REDACTED]');
    expect(JSON.stringify(result)).not.toContain(GOOGLE_TOKEN);
  });
});

describe('ArcadeToolProvider.listTools: catalogue unavailable', () => {
  it('rejects with a message and error chain free of the quoted token', async () => {
    const provider = new ArcadeToolProvider({
      client: clientFailingWith(`GET https://api.example.com/v1/tools?access_token=${GOOGLE_TOKEN} failed`),
      toolkits: ['Math'],
    });
    const error = await provider.listTools({ userId: 'alice' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('could not list tools from Arcade');
    expect((error as Error).message).not.toContain(GOOGLE_TOKEN);
    expect(String((error as Error).cause ?? '')).not.toContain(GOOGLE_TOKEN);
  });
});
