/** Server time per benchmark row, from INFO commandstats deltas between marks. */
export class ServerTime {
  private last: Map<string, { calls: number; usec: number }> | undefined;
  private current: string | undefined;
  private readonly totals = new Map<string, { usec: number; commands: number }>();

  constructor(private readonly client: { info(section: string): Promise<string> }) {}

  /** Closes the phase running so far (attributing it to its row, if any) and opens `row`'s. */
  async mark(row: string | undefined): Promise<void> {
    const now = parse(await this.client.info('commandstats'));
    if (this.current !== undefined && this.last) {
      let usec = 0;
      let commands = 0;
      for (const [command, stats] of now) {
        if (command === 'info') continue;
        const before = this.last.get(command) ?? { calls: 0, usec: 0 };
        commands += stats.calls - before.calls;
        // EVAL/EVALSHA's time includes the commands the script ran (counted again on their own).
        if (command === 'eval' || command === 'evalsha') usec += stats.usec - before.usec;
      }
      this.totals.set(this.current, { usec, commands });
    }
    this.last = now;
    this.current = row;
  }

  microsecondsPerCall(row: string, calls: number): { microseconds: number; commands: number } {
    const total = this.totals.get(row) ?? { usec: Number.NaN, commands: Number.NaN };
    return { microseconds: total.usec / calls, commands: total.commands / calls };
  }
}

function parse(info: string): Map<string, { calls: number; usec: number }> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const line of info.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (match) stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
}
