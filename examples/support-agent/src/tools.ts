import { setTimeout as sleep } from 'node:timers/promises';
import { ArcadeToolProvider } from '@tristack/arcade';
import { CompositeToolProvider, LocalToolProvider, defineLocalTool, type AuditLog } from '@tristack/core';
import { z } from 'zod';

/** The demo's tools and, when they run against the in-process fake, the fake's consent page. */
export interface AgentTools {
  provider: CompositeToolProvider;
  /** `fake Arcade (in-process)` or `Arcade (ARCADE_API_KEY)`. */
  description: string;
  /** Completes a consent like the user's browser would; only with the fake. */
  approveConsent?: (url: string) => Promise<number>;
  close(): Promise<void>;
}

/** A slow report: the kind of tool call that belongs on the job queue, not in the request. */
const weeklyDigest = defineLocalTool({
  name: 'Reports_WeeklyDigest',
  description: "Builds a digest of the user's GitHub and Slack activity (takes a while).",
  input: z.object({ weeks: z.number().int().min(1).max(4).describe('How many weeks back.') }),
  behavior: { readOnly: true, idempotent: true },
  async execute(input, context) {
    await sleep(300);
    return {
      summary: `${input.weeks} week(s) for ${context.userId}: 2 pull requests open, 1 merged, 14 Slack mentions.`,
    };
  },
});

/**
 * GitHub and Slack through Arcade plus one local tool. With `ARCADE_API_KEY` the real engine,
 * else the fake Arcade server started in this process (same wire format, simulated consent), loaded only then.
 */
export async function createAgentTools(auditLog: AuditLog, arcadeApiKey?: string): Promise<AgentTools> {
  const fake = arcadeApiKey ? undefined : await (await import('./offline-arcade.js')).startOfflineArcade();
  const arcade = new ArcadeToolProvider({
    ...(fake ? fake.clientOptions : { apiKey: arcadeApiKey }),
    toolkits: ['Github', 'Slack'],
    auditLog,
    logLevel: 'off',
  });
  const local = new LocalToolProvider({ tools: [weeklyDigest], auditLog });
  return {
    provider: new CompositeToolProvider({ providers: [arcade, local] }),
    description: fake ? `fake Arcade server (in-process, ${fake.url})` : 'Arcade (ARCADE_API_KEY)',
    ...(fake ? { approveConsent: (url: string) => fake.visit(url) } : {}),
    close: async () => fake?.close(),
  };
}
