// The file's bindings xarray as the kernel's lib/xarray.c stores and walks it (KERNEL-FACTS §4):
// xa_store_range() cuts a binding into multi-index chunks, xa_for_each_range() visits each
// overlapping chunk once, and xa_find() returns the first present entry. A walk is computed
// as data, a list of (index, slot) visits, which a variant (TypeScript or C) then iterates.

import { Layout, Memslot, bindingsByPgoff } from './layout';

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
export function storeRangeChunks(first: bigint, last: bigint): Array<[bigint, bigint]> {
  if (first > last) throw new RangeError(`xa_store_range: first ${first} > last ${last}`);
  const out: Array<[bigint, bigint]> = [];
  let f = first;
  for (;;) {
    const len = last - f + 1n;
    let unit = 1n;
    while (f % (unit * XA_CHUNK_SIZE) === 0n && len >= unit * XA_CHUNK_SIZE) unit *= XA_CHUNK_SIZE;
    const room = XA_CHUNK_SIZE - (f / unit) % XA_CHUNK_SIZE;
    const units = len / unit < room ? len / unit : room;
    const chunkLast = f + units * unit - 1n;
    out.push([f, chunkLast]);
    if (chunkLast === last) return out;
    f = chunkLast + 1n;
  }
}

const chunkCache = new WeakMap<Layout, readonly Chunk[]>();

/** Every chunk of every binding in index order: the xarray after each bind's xa_store_range. */
export function chunksOf(layout: Layout): readonly Chunk[] {
  let chunks = chunkCache.get(layout);
  if (!chunks) {
    chunks = Object.freeze(
      bindingsByPgoff(layout).flatMap((slot) =>
        storeRangeChunks(slot.pgoff, slot.pgoff + slot.npages - 1n).map(([first, last]) =>
          Object.freeze({ first, last, slot }),
        ),
      ),
    );
    chunkCache.set(layout, chunks);
  }
  return chunks;
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
function firstIndex(chunk: Chunk, start: bigint): bigint {
  return start < chunk.first ? chunk.first : start;
}

/** xa_for_each_range(xa, index, entry, start, last): the visits, in order (§4). */
export function walk(layout: Layout, start: bigint, last: bigint): Visit[] {
  const visits: Visit[] = [];
  if (start > last) return visits;
  for (const chunk of chunksOf(layout)) {
    if (chunk.last < start) continue;
    if (chunk.first > last) break;
    const index = visits.length === 0 ? firstIndex(chunk, start) : chunk.first;
    visits.push(Object.freeze({ index, slot: chunk.slot }));
  }
  return visits;
}

/** xa_find(xa, &index, max, XA_PRESENT): the first entry in [index, max], or null (index unchanged). */
export function xaFind(layout: Layout, index: bigint, max: bigint): Visit | null {
  if (index > max) return null;
  for (const chunk of chunksOf(layout)) {
    if (chunk.last < index) continue;
    if (chunk.first > max) return null;
    return Object.freeze({ index: firstIndex(chunk, index), slot: chunk.slot });
  }
  return null;
}
