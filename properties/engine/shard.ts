// A shard: one of n parts of a job that n machines run at once. A generated check splits its
// cases by index, in order (shard i of n checks the i-th of n runs of consecutive cases, as jest
// --shard splits test files), and fast-check starts a shard at its first case by path, so case k
// is the same case in every shard as in the whole run. The exhaustive scope splits its layouts.

/** This machine's part of the job: `index` of `count`, 0-based here (the command line counts from 1). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = Object.freeze({ index: 0, count: 1 });

/** "i/n" as the command line gives it, 1 <= i <= n as jest --shard counts (1/4 is the first of four). */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(text);
  const i = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(i >= 1 && i <= count)) throw new Error(`a shard is i/n with 1 <= i <= n (1/4 is the first of four), got "${text}"`);
  return { index: i - 1, count };
}

/** A shard as the command line names it: "1/4" for the first of four. */
export const shardName = (s: Shard): string => `${s.index + 1}/${s.count}`;

/** The cases [start, end) of a run of `numRuns` that a shard checks. */
export function runsOf(shard: Shard, numRuns: number): { readonly start: number; readonly end: number } {
  return { start: Math.floor((shard.index * numRuns) / shard.count), end: Math.floor(((shard.index + 1) * numRuns) / shard.count) };
}

/**
 * fast-check's parameters for a shard's cases of a seed: its first case by path (fast-check
 * jumps its random stream to a run without drawing the runs before it), and how many; the
 * whole run for no shard, or with a replay path of its own.
 */
export function shardParameters(o: { readonly seed: number; readonly numRuns: number; readonly path?: string; readonly shard?: Shard }): { seed: number; numRuns: number; path?: string } {
  if (!o.shard || o.path !== undefined) return { seed: o.seed, numRuns: o.numRuns, ...(o.path !== undefined ? { path: o.path } : {}) };
  const { start, end } = runsOf(o.shard, o.numRuns);
  return { seed: o.seed, numRuns: end - start, path: `${start}` };
}
