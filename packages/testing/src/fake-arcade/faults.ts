/** A failure the fake server injects instead of (or before) answering normally. */
export type FakeArcadeFault =
  /** Wait, then answer normally. */
  | { type: 'latency'; ms: number }
  /** Answer with this status and JSON body (default `{name, message}`), e.g. 500, 503. */
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 with `retry-after` (seconds) and/or `retry-after-ms`. */
  | { type: 'rate_limit'; retryAfterSeconds?: number; retryAfterMs?: number }
  /** Close the connection without a response. */
  | { type: 'drop' }
  /** 200 with a non-JSON content type (the client then returns the raw text). */
  | { type: 'non_json'; body?: string }
  /** Run a side effect (e.g. revoke a grant), then answer normally. */
  | { type: 'effect'; run: () => void | Promise<void> };

export interface FakeArcadeFaultRule {
  /** Only this HTTP method (upper case). Any when omitted. */
  method?: string;
  /** Only this path (exact) or paths matching this pattern. Any when omitted. */
  path?: string | RegExp;
  /** How many matching requests the fault hits. @default 1 */
  times?: number;
  fault: FakeArcadeFault;
}

interface ActiveRule extends FakeArcadeFaultRule {
  remaining: number;
}

/** Ordered fault rules; the first rule that matches and has hits left applies. */
export class FakeArcadeFaults {
  private rules: ActiveRule[] = [];

  add(rule: FakeArcadeFaultRule): () => void {
    const active: ActiveRule = { ...rule, remaining: rule.times ?? 1 };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((item) => item !== active);
    };
  }

  clear(): void {
    this.rules = [];
  }

  take(method: string, path: string): FakeArcadeFault | undefined {
    const rule = this.rules.find(
      (item) =>
        item.remaining > 0 &&
        (item.method === undefined || item.method === method) &&
        (item.path === undefined ||
          (typeof item.path === 'string' ? item.path === path : item.path.test(path))),
    );
    if (!rule) return undefined;
    rule.remaining--;
    return rule.fault;
  }
}
