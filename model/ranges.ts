// Half-open ranges [start, end) of unbounded integers (gfns or file indices), and the set
// arithmetic the reference and the properties need: intersect, union, subtract.

export interface Range {
  readonly start: bigint;
  readonly end: bigint;
}

export const isEmpty = (r: Range): boolean => r.start >= r.end;

export function intersect(a: Range, b: Range): Range | null {
  const start = a.start > b.start ? a.start : b.start;
  const end = a.end < b.end ? a.end : b.end;
  return start < end ? { start, end } : null;
}

/** Sorted, disjoint, non-adjacent ranges covering the same indices as `rs`. */
export function normalize(rs: readonly Range[]): Range[] {
  // most sets the properties meet hold one range
  if (rs.length <= 1) return rs.length === 1 && !isEmpty(rs[0]) ? [{ start: rs[0].start, end: rs[0].end }] : [];
  // a slot's unmaps come in gfn order: sorted already, most of the time, and then merged as they
  // are, the empty ones skipped (no copy of `rs` made); else its non-empty ranges are sorted in a
  // copy. The result is the one such list of the indices, whichever way it was reached
  const sorted = inOrder(rs) ? rs : sortByStart(rs.filter((r) => !isEmpty(r)));
  const out: Range[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    if (isEmpty(r)) continue;
    const last = out[out.length - 1];
    if (last && r.start <= last.end) {
      if (r.end > last.end) out[out.length - 1] = { start: last.start, end: r.end };
    } else {
      out.push({ start: r.start, end: r.end });
    }
  }
  return out;
}

/**
 * `rs` sorted by start, in place and stably (as Array.prototype.sort is): most sets met here hold
 * a few ranges (a layout's slots, a slot's unmaps), which an insertion sort orders for less than
 * the calls of a comparator; a long one is left to Array.prototype.sort.
 */
function sortByStart(rs: Range[]): Range[] {
  if (rs.length > 16) return rs.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  for (let i = 1; i < rs.length; i++) {
    const r = rs[i];
    let j = i - 1;
    for (; j >= 0 && rs[j].start > r.start; j--) rs[j + 1] = rs[j];
    rs[j + 1] = r;
  }
  return rs;
}

const inOrder = (rs: readonly Range[]): boolean => {
  for (let i = 1; i < rs.length; i++) if (rs[i].start < rs[i - 1].start) return false;
  return true;
};

/** The indices of `from` that no range of `minus` covers. */
export function subtract(from: readonly Range[], minus: readonly Range[]): Range[] {
  if (minus.length === 0) return normalize(from);
  // most slots have one range to lose and one unmap
  if (from.length === 1 && minus.length === 1) {
    const r = from[0], m = minus[0];
    if (isEmpty(r)) return [];
    if (isEmpty(m) || m.end <= r.start || m.start >= r.end) return [{ start: r.start, end: r.end }];
    const out: Range[] = [];
    if (m.start > r.start) out.push({ start: r.start, end: m.start });
    if (m.end < r.end) out.push({ start: m.end, end: r.end });
    return out;
  }
  const cut = normalize(minus);
  const out: Range[] = [];
  for (const r of normalize(from)) {
    let cursor = r.start;
    for (const m of cut) {
      if (m.end <= cursor) continue;
      if (m.start >= r.end) break;
      if (m.start > cursor) out.push({ start: cursor, end: m.start });
      cursor = m.end > cursor ? m.end : cursor;
      if (cursor >= r.end) break;
    }
    if (cursor < r.end) out.push({ start: cursor, end: r.end });
  }
  return out;
}

/**
 * Whether `set` (sorted, disjoint, non-adjacent, as normalize() returns) holds every index of `r`:
 * whether subtract([r], set) is empty, without making it. Such a set covers a non-empty range only
 * with one of its ranges, as a gap lies between any two.
 */
export function covers(set: readonly Range[], r: Range): boolean {
  if (isEmpty(r)) return true;
  for (let i = 0; i < set.length; i++) if (set[i].start <= r.start && r.end <= set[i].end) return true;
  return false;
}

/**
 * Removes `r` from `set` (sorted, disjoint, non-adjacent, as normalize() returns), in place, in
 * O(log n) plus the pieces moved: a VM's mappings take one unmap after another. Returns whether
 * any index of `r` was in the set.
 */
export function cutFrom(set: Range[], r: Range): boolean {
  if (isEmpty(r)) return false;
  let lo = 0, hi = set.length;
  while (lo < hi) { // the first range ending after r.start
    const mid = (lo + hi) >> 1;
    if (set[mid].end <= r.start) lo = mid + 1; else hi = mid;
  }
  let last = lo;
  while (last < set.length && set[last].start < r.end) last++;
  if (last === lo) return false;
  const pieces: Range[] = [];
  if (set[lo].start < r.start) pieces.push({ start: set[lo].start, end: r.start });
  if (set[last - 1].end > r.end) pieces.push({ start: r.end, end: set[last - 1].end });
  set.splice(lo, last - lo, ...pieces);
  return true;
}

export const show = (r: Range): string => `[${r.start}, ${r.end})`;

/** x rounded down / up to a multiple of `unit` (> 0), in unbounded integers: the model's own arithmetic, not C's. */
export const alignDown = (x: bigint, unit: bigint): bigint => (x / unit) * unit;
export const alignUp = (x: bigint, unit: bigint): bigint => ((x + unit - 1n) / unit) * unit;
