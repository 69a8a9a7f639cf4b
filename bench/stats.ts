// Order statistics of "cases until the first failure" samples, where null means "not within the cap".

/** Sorted, with null (not found) after every number. */
const sorted = (xs: ReadonlyArray<number | null>): Array<number | null> =>
  [...xs].sort((a, b) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : a - b));

/** The lower median (an observed value, so "2 cases" means some seed took exactly 2); null if most seeds found nothing. */
export function median(xs: ReadonlyArray<number | null>): number | null {
  if (xs.length === 0) return null;
  return sorted(xs)[Math.floor((xs.length - 1) / 2)];
}

/** The largest value; null when some sample found nothing within its cap. */
export function worst(xs: ReadonlyArray<number | null>): number | null {
  if (xs.length === 0) return null;
  return sorted(xs)[xs.length - 1];
}

/** How many samples found a failure within `limit` cases. */
export const within = (xs: ReadonlyArray<number | null>, limit: number): number => xs.filter((x) => x !== null && x <= limit).length;

/** A count for a table: the number, or "> cap" for null. */
export const count = (x: number | null, cap: number): string => (x === null ? `> ${cap}` : String(x));

export const ms = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(0)} s` : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

/**
 * This process's CPU time in ms (user and system, every thread): the work a measurement did,
 * which the other processes of a shared machine do not stretch as they stretch the wall clock.
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
