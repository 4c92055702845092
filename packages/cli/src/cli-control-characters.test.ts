import type { AuditEvent, StoredMessage } from '@tristack/core';
import { RedisAuditLog, RedisConversationMemory } from '@tristack/redis';
import { useRedis } from '@tristack/testing/redis';
import { describe, expect, it } from 'vitest';
import { runBinary, runInProcess } from './run-cli.fixture.js';

const redis = useRedis();

// Clear screen, set the window title (OSC 0, BEL-terminated), and an OSC 8 hyperlink whose
// visible text hides where it points.
const CLEAR_AND_TITLE = 'hello \u001b[2J\u001b]0;pwned\u0007 world';
const HYPERLINK = 'see \u001b]8;;https://evil.example/\u001b\\click here\u001b]8;;\u001b\\ now';
// A one-character C1 CSI, a Unicode line separator and a bidi override.
const C1_AND_SEPARATORS = 'c1 \u009b2J sep\u2028arated \u202egnp.exe';

// oxlint-disable-next-line no-control-regex -- asserting that no control character is printed
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;
// oxlint-disable-next-line no-control-regex -- the CLI's own colour codes, the only escapes it may write
const OWN_SGR = /\u001b\[(?:0|1|2|3[1-6])m/g;
// What JSON.stringify leaves raw and jsonText must escape.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

async function seed(): Promise<void> {
  const memory = new RedisConversationMemory({ client: redis.client });
  await memory.append({ userId: 'mallory', conversationId: 'c-esc' }, [
    { role: 'user', content: CLEAR_AND_TITLE },
    { role: 'assistant', content: HYPERLINK },
    { role: 'user', content: C1_AND_SEPARATORS },
  ]);
  const log = new RedisAuditLog({ client: redis.client });
  await log.record({
    userId: 'mallory',
    conversationId: 'c-esc',
    type: 'job.failed',
    data: {
      queue: 'q\u001b[2J',
      jobId: 'j-1',
      error: { message: `${CLEAR_AND_TITLE} ${C1_AND_SEPARATORS}` },
    },
  });
}

function url(): string {
  return `${redis.url}/${redis.database}`;
}

describe('tristack never lets stored text drive the terminal', () => {
  it('inspect conversation shows ESC, OSC, BEL and C1 as visible escapes, piped and on a terminal', async () => {
    await seed();
    const piped = await runBinary(['--url', url(), 'inspect', 'conversation', 'mallory', 'c-esc']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toMatch(RAW_CONTROL);
    expect(piped.stdout).toContain('hello \\x1b[2J\\x1b]0;pwned\\x07 world');
    expect(piped.stdout).toContain('see \\x1b]8;;https://evil.example/\\x1b\\click here\\x1b]8;;\\x1b\\ now');
    expect(piped.stdout).toContain('c1 \\u009b2J sep\\u2028arated \\u202egnp.exe');
    // The audit event's error message, rendered in the same view.
    expect(piped.stdout).toMatch(/job\.failed\s+mallory\s+failed\s+q\\x1b\[2J · j-1 · hello \\x1b\[2J/);

    // With colour on, the CLI's own colour codes are the only escapes that reach the terminal.
    const tty = await runInProcess(['--url', url(), 'inspect', 'conversation', 'mallory', 'c-esc'], {
      tty: true,
    });
    expect(tty.stdout).toMatch(OWN_SGR);
    expect(tty.stdout.replace(OWN_SGR, '')).not.toMatch(RAW_CONTROL);
  }, 90_000);

  it('keeps --json valid and lossless, with C1, U+2028 and bidi controls escaped too', async () => {
    await seed();
    const json = await runBinary(['--url', url(), 'inspect', 'conversation', 'mallory', 'c-esc', '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(json.stdout).not.toMatch(RAW_IN_JSON);
    const state = JSON.parse(json.stdout) as { memory: { messages: StoredMessage[] } };
    expect(state.memory.messages.map((message) => message.content)).toEqual([
      CLEAR_AND_TITLE,
      HYPERLINK,
      C1_AND_SEPARATORS,
    ]);

    const exported = await runBinary(['--url', url(), 'audit', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toMatch(RAW_CONTROL);
    expect(exported.stdout).not.toMatch(RAW_IN_JSON);
    const [event] = exported.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEvent);
    expect((event!.data as { error: { message: string } }).error.message).toBe(
      `${CLEAR_AND_TITLE} ${C1_AND_SEPARATORS}`,
    );
    // The export still verifies: escaping changed the bytes, not the events.
    const verify = await runInProcess(['--url', url(), 'audit', 'verify']);
    expect(verify).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^valid: tenant default, 1 entries/),
    });
  }, 90_000);

  it('escapes control characters in the audit trail, in ids and in error messages', async () => {
    await seed();
    const trail = await runInProcess(['--url', url(), 'audit', 'user', 'mallory'], { tty: true });
    expect(trail.code).toBe(0);
    expect(trail.stdout.replace(OWN_SGR, '')).not.toMatch(RAW_CONTROL);
    expect(trail.stdout).toContain('hello \\x1b[2J');

    const none = await runInProcess(['--url', url(), 'audit', 'user', 'eve\u2028\u202e']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('no audit events for user eve\\u2028\\u202e in tenant default\n');

    // An id the library rejects: a usage error, whose message shows the id escaped.
    const rejected = await runInProcess(['--url', url(), 'audit', 'user', 'eve\u001b]0;x\u0007']);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).not.toMatch(RAW_CONTROL);

    const unknown = await runInProcess(['\u001b[2Jfrobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "\\x1b[2Jfrobnicate"');
    expect(unknown.stderr).not.toMatch(RAW_CONTROL);
  }, 90_000);
});
