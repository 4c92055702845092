import { z } from 'zod';
import type { Arcade } from '@arcadeai/arcadejs';
import type { Clock, ToolGovernanceSettings } from '@tristack/core';
import type { ArcadeCaller } from './arcade-user-id.js';

type ArcadeClientOptions = NonNullable<ConstructorParameters<typeof Arcade>[0]>;

export const arcadeToolProviderOptionsSchema = z
  .object({
    name: z.string().min(1).default('arcade'),
    toolkits: z.array(z.string().min(1)).default([]),
    tools: z.array(z.string().min(1)).default([]),
    definitionTtlMs: z.number().int().nonnegative().default(300_000),
    maxRetries: z.number().int().min(0).max(10).default(2),
    maxRetryDelayMs: z.number().int().nonnegative().default(10_000),
    requestTimeoutMs: z.number().int().positive().default(60_000),
    nextUri: z.url().optional(),
  })
  .refine((options) => options.toolkits.length + options.tools.length > 0, {
    message: 'configure at least one of `toolkits` or `tools`',
  });

/** Options of `ArcadeToolProvider`; also takes `policy`, `auditLog`, `rateLimiter`, `circuitBreaker` (see `ToolGovernanceSettings`). */
export interface ArcadeToolProviderOptions extends ToolGovernanceSettings {
  /** An Arcade client to reuse. It is cloned with a token-stripping `fetch` (pass `fetch` to wrap your own). */
  client?: Arcade;
  /** @default process.env.ARCADE_API_KEY */
  apiKey?: string;
  /** @default process.env.ARCADE_BASE_URL, then https://api.arcade.dev */
  baseURL?: string;
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Logger handed to the Arcade client (it never sees a token: responses are stripped first). */
  logger?: ArcadeClientOptions['logger'];
  logLevel?: ArcadeClientOptions['logLevel'];
  /** Provider name on definitions, results and audit records. @default 'arcade' */
  name?: string;
  /** Toolkits to offer, e.g. `['Github', 'Gmail@3.0.0']` (`@version` pins). @default [] */
  toolkits?: string[];
  /** Individual tools, e.g. `['Slack.SendMessage@1.2.0']`; they override their toolkit's entry. @default [] */
  tools?: string[];
  /** How long tool definitions are cached in this process. @default 300000 */
  definitionTtlMs?: number;
  /** Retries of idempotent calls (and calls with an idempotency key); other executes are never retried. @default 2 */
  maxRetries?: number;
  /** Longest `retry_after_ms` the provider waits itself before retrying; longer waits go back to the caller. @default 10000 */
  maxRetryDelayMs?: number;
  /** Per-request timeout of the Arcade client. @default 60000 */
  requestTimeoutMs?: number;
  /** Where the user's browser goes after consent. */
  nextUri?: string;
  /** Maps the trusted caller to Arcade's `user_id`. @default defaultArcadeUserId (tenant-prefixed, escaped) */
  arcadeUserId?: (caller: ArcadeCaller) => string;
  /** @default systemClock */
  clock?: Clock;
}
