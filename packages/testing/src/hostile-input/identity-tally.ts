// Counts what one API did with the hostile ids: accepted, rejected with a typed InvalidInputError,
// failed otherwise, crossed into another id's data, or was misrouted on a cluster.
import { InvalidInputError, TristackError } from '@tristack/core';
import { MAX_ID_LENGTH } from '@tristack/core/driver-kit';

// oxlint-disable-next-line no-control-regex -- control characters are what the oracle looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MISROUTED = /MOVED|\bASK\b|CROSSSLOT|Too many Cluster redirections|CLUSTERDOWN|TRYAGAIN/i;

/** True when `text` has no lone surrogate (written here, not borrowed from core: it is the oracle). */
export function hasNoLoneSurrogate(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
      else return false;
    } else if (code >= 0xdc00 && code <= 0xdfff) return false;
  }
  return true;
}

/**
 * What every id-taking API must accept: 1–MAX_ID_LENGTH code points (what the zod schema counts;
 * a lone surrogate counts as one), no control character, well-formed.
 */
export function isAcceptableId(id: string): boolean {
  const length = [...id].length;
  return length >= 1 && length <= MAX_ID_LENGTH && !CONTROL.test(id) && hasNoLoneSurrogate(id);
}

export type Outcome = 'accepted' | 'rejected' | 'failed';

/** Examples kept per kind of problem, for the failure message. */
const SAMPLES_PER_KIND = 3;

/** The counts of one API; `problems()` must be all zeros. */
export class IdentityTally {
  tried = 0;
  accepted = 0;
  rejectedTyped = 0;
  /** Of the typed rejections, those for a lone surrogate. */
  rejectedLoneSurrogate = 0;
  untyped = 0;
  collisions = 0;
  misrouted = 0;
  /** An ill-formed id the API took, or a good one it refused. */
  wronglyAccepted = 0;
  wronglyRejected = 0;
  readonly samples: string[] = [];

  constructor(
    readonly api: string,
    private readonly acceptable: (id: string) => boolean = isAcceptableId,
    /** Another library's typed rejection the API passes on (LangGraph's InvalidNamespaceError). */
    private readonly foreignTypedRejection: (error: unknown) => boolean = () => false,
  ) {}

  /** Runs the first call that takes `id` and classifies it; later checks use `check`. */
  async attempt(id: string, call: () => Promise<unknown>): Promise<Outcome> {
    this.tried++;
    const expected = this.acceptable(id);
    try {
      await call();
    } catch (error) {
      if (
        error instanceof InvalidInputError ||
        TristackError.hasCode(error, 'INVALID_INPUT') ||
        this.foreignTypedRejection(error)
      ) {
        this.rejectedTyped++;
        if (!hasNoLoneSurrogate(id)) this.rejectedLoneSurrogate++;
        if (expected) this.note('wronglyRejected', id, error);
        return 'rejected';
      }
      this.fail(id, error);
      return 'failed';
    }
    this.accepted++;
    if (!expected) this.note('wronglyAccepted', id);
    return 'accepted';
  }

  /** Runs a verification call for an accepted id; an error is counted, never thrown. */
  async check<T>(id: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      this.fail(id, error);
      return undefined;
    }
  }

  /** `id` saw data that is not its own, or lost its own to another id. */
  collision(id: string, detail: string): void {
    this.note('collisions', id, detail);
  }

  /** A failure that is neither typed nor a collision (e.g. the store was unavailable). */
  fail(id: string, error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.note(MISROUTED.test(message) ? 'misrouted' : 'untyped', id, message);
  }

  problems() {
    const { untyped, collisions, misrouted, wronglyAccepted, wronglyRejected } = this;
    return { untyped, collisions, misrouted, wronglyAccepted, wronglyRejected };
  }

  private note(
    kind: 'untyped' | 'collisions' | 'misrouted' | 'wronglyAccepted' | 'wronglyRejected',
    id: string,
    detail?: unknown,
  ): void {
    this[kind]++;
    if (this.samples.filter((sample) => sample.startsWith(`${kind} `)).length < SAMPLES_PER_KIND)
      this.samples.push(`${kind} ${JSON.stringify(id)}${detail === undefined ? '' : `: ${String(detail)}`}`);
  }
}

/** Runs `call` over `items` in chunks of `size` at a time (a hostile id set is large). */
export async function inChunks<T>(
  items: readonly T[],
  size: number,
  call: (item: T, index: number) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += size)
    await Promise.all(items.slice(start, start + size).map((item, offset) => call(item, start + offset)));
}

/** The summary table for the closing note: one row per API. */
export function summaryTable(title: string, tallies: readonly IdentityTally[]): string {
  const header = [
    'API',
    'tried',
    'accepted',
    'rejected-typed',
    '(lone surr.)',
    'untyped',
    'collisions',
    'misrouted',
    'wrong-verdict',
  ];
  const rows = tallies.map((tally) => [
    tally.api,
    String(tally.tried),
    String(tally.accepted),
    String(tally.rejectedTyped),
    String(tally.rejectedLoneSurrogate),
    String(tally.untyped),
    String(tally.collisions),
    String(tally.misrouted),
    String(tally.wronglyAccepted + tally.wronglyRejected),
  ]);
  const total = (pick: (tally: IdentityTally) => number) =>
    String(tallies.reduce((sum, tally) => sum + pick(tally), 0));
  rows.push([
    'TOTAL',
    total((tally) => tally.tried),
    total((tally) => tally.accepted),
    total((tally) => tally.rejectedTyped),
    total((tally) => tally.rejectedLoneSurrogate),
    total((tally) => tally.untyped),
    total((tally) => tally.collisions),
    total((tally) => tally.misrouted),
    total((tally) => tally.wronglyAccepted + tally.wronglyRejected),
  ]);
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  return [
    title,
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
