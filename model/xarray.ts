// The file's bindings xarray as the kernel's lib/xarray.c stores and walks it (KERNEL-FACTS §4):
// xa_store_range() cuts a binding into multi-index chunks, xa_for_each_range() visits each
// overlapping chunk once, and xa_find() returns the first present entry. A walk is computed
// as data, a list of (index, slot) visits, which a variant (TypeScript or C) then iterates.

import { Layout, Memslot, bindingsByPgoff } from './layout';
import { recent } from './recent';

/** CONFIG_XARRAY_MULTI with XA_CHUNK_SHIFT 6: a node has 64 slots (§4). */
export const XA_CHUNK_SHIFT = 6n;
const XA_CHUNK_SIZE = 1n << XA_CHUNK_SHIFT;

/** One multi-index entry, [first, last] inclusive, holding a slot. */
export interface Chunk {
  readonly first: bigint;
  readonly last: bigint;
  readonly slot: Memslot;
}

export interface Visit {
  readonly index: bigint;
  readonly slot: Memslot;
}

/**
 * The chunks xa_store_range(first, last) creates, left to right (§4): from position f with
 * len indices left, the largest level k with f a multiple of 64^k and len >= 64^k, taking
 * u = min(len / 64^k, 64 - (f / 64^k) mod 64) units so the chunk never crosses its parent node.
 */
export function storeRangeChunks(first: bigint, last: bigint, upTo: bigint = last): Array<[bigint, bigint]> {
  if (first > last) throw new RangeError(`xa_store_range: first ${first} > last ${last}`);
  const out: Array<[bigint, bigint]> = [];
  let f = first;
  for (;;) {
    const chunk = chunkFrom(f, last);
    out.push(chunk);
    // a walk needs the chunks up to the one that holds its last index (`upTo`), not the rest
    if (chunk[1] >= upTo || chunk[1] === last) return out;
    f = chunk[1] + 1n;
  }
}

/** The chunk of xa_store_range(.., last) that starts at position f: it depends on f and last only. */
function chunkFrom(f: bigint, last: bigint): [bigint, bigint] {
  const len = last - f + 1n;
  let unit = 1n;
  while (f % (unit * XA_CHUNK_SIZE) === 0n && len >= unit * XA_CHUNK_SIZE) unit *= XA_CHUNK_SIZE;
  const room = XA_CHUNK_SIZE - (f / unit) % XA_CHUNK_SIZE;
  const units = len / unit < room ? len / unit : room;
  return [f, f + units * unit - 1n];
}

/** Every chunk of every binding in index order: the xarray after each bind's xa_store_range. */
export function chunksOf(layout: Layout): Chunk[] {
  return bindingsByPgoff(layout).flatMap((slot) => chunksOfSlot(slot));
}

const endOf = (slot: Memslot) => slot.pgoff + slot.npages - 1n;
const chunksOfSlot = (slot: Memslot, upTo?: bigint): Chunk[] =>
  storeRangeChunks(slot.pgoff, endOf(slot), upTo).map(([first, last]) => ({ first, last, slot }));

/** One binding in the xarray: its slot, its last index, and its chunks as far as they were needed. */
interface Stored {
  readonly slot: Memslot;
  readonly end: bigint;
  /** storeRangeChunks(slot.pgoff, end)'s chunks, a prefix of them: made as walks reach them. */
  readonly chunks: Array<[bigint, bigint]>;
}

/**
 * The bindings of `layout` in index order, kept for the last few layouts: a case walks each
 * view's xarray in begin and looks in it again in end (a conversion, once per huge page).
 */
const xarrayOf = recent(4, (layout: Layout): Stored[] =>
  bindingsByPgoff(layout).map((slot) => ({ slot, end: endOf(slot), chunks: [] })));

/**
 * How many of `b`'s chunks storeRangeChunks(pgoff, end, upTo) returns: those up to the one that
 * holds `upTo` (all of them when `upTo` is past the binding), a prefix of b.chunks, which is made
 * longer first if a walk now reaches further (a chunk depends only on where it starts, so a
 * prefix is continued). A count, not a copy of the prefix: a conversion walks a binding one
 * huge page at a time, each walk reading fewer chunks than are kept.
 */
function chunksUpTo(b: Stored, upTo: bigint): number {
  const { chunks } = b;
  for (let i = 0; ; i++) {
    if (i === chunks.length) chunks.push(...storeRangeChunks(i === 0 ? b.slot.pgoff : chunks[i - 1][1] + 1n, b.end, upTo));
    const chunkLast = chunks[i][1];
    if (chunkLast >= upTo || chunkLast === b.end) return i + 1;
  }
}

/**
 * The index a walk (or xa_find()) yields for `chunk`, the first entry present in [start, last]:
 * the one index lib/xarray.c yields (measured, KERNEL-FACTS §4) and the only one its documented
 * contract allows, so a variant that uses the index (mike-index) relies on a promise, not on an
 * implementation detail. lib/test_xarray.c's check_multi_find_1 checks less (after xa_find()
 * from `multi + 1` it accepts any index of the entry), but a test's tolerance is not a promise.
 * - entered from below (start < chunk.first): the entry's first index. xa_find(): "the lowest
 *   index that is at least @indexp"; lib/test_xarray.c check_multi_find_1 checks `index != multi`
 *   after xa_find() from 0. Every later visit of a walk is made by xa_find_after(): "the lowest
 *   index that is above @indexp and no more than @max", the next entry's first index
 *   (check_multi_find_1: `index != next`; xarray.rst: "Subsequent calls or iterations will move
 *   the index to the first index in the range. Each entry will only be returned once");
 * - start inside the entry: start (Documentation/core-api/xarray.rst, "Multi-Index Entries":
 *   "if the initial index is in the middle of a multi-index entry, it will not be altered").
 */
function firstIndex(chunkFirst: bigint, start: bigint): bigint {
  return start < chunkFirst ? chunkFirst : start;
}

/**
 * xa_for_each_range(xa, index, entry, start, last): the visits, in order (§4), one per chunk of
 * [start, last]; a binding's chunks are made up to the one that holds `last`.
 */
export function walk(layout: Layout, start: bigint, last: bigint): Visit[] {
  const visits: Visit[] = [];
  if (start > last) return visits;
  // indexed loops, no for-of or destructuring: every walk of every case runs here, and those
  // allocated an iterator and its results per binding and per chunk
  const bindings = xarrayOf(layout);
  for (let i = 0; i < bindings.length; i++) {
    const b = bindings[i];
    if (b.end < start) continue;
    const slot = b.slot;
    if (slot.pgoff > last) break;
    // the chunks as xa_store_range() made them, as [first, last] pairs (a walk keeps only its visits)
    const n = chunksUpTo(b, last), chunks = b.chunks;
    for (let j = 0; j < n; j++) {
      const chunk = chunks[j];
      if (chunk[1] < start) continue;
      const index = visits.length === 0 ? firstIndex(chunk[0], start) : chunk[0];
      visits.push({ index, slot });
    }
  }
  return visits;
}

/**
 * xa_find(xa, &index, max, XA_PRESENT): the first entry in [index, max], or null (index
 * unchanged): the chunk that holds `index` or, below the first binding after it, that binding's
 * first chunk.
 */
export function xaFind(layout: Layout, index: bigint, max: bigint): Visit | null {
  if (index > max) return null;
  const b = firstEndingAtOrAfter(xarrayOf(layout), index);
  if (!b || b.slot.pgoff > max) return null;
  const n = chunksUpTo(b, index > b.slot.pgoff ? index : b.slot.pgoff);
  return { index: firstIndex(b.chunks[n - 1][0], index), slot: b.slot };
}

/** The first binding (in index order) that ends at or after `index` (a loop: every xa_find() of every case asks). */
function firstEndingAtOrAfter(bindings: readonly Stored[], index: bigint): Stored | undefined {
  for (const b of bindings) if (b.end >= index) return b;
  return undefined;
}
