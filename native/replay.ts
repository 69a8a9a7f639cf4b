// The request line to native/driver.c: a case's range, then per view its slots, the model's walk
// of [start, end - 1] and xa_find answer (model/xarray.ts) and its VM, so C iterates exactly as
// a TypeScript variant would; a release names the view whose file it closes. The reply, the driver's log of KVM calls, is replayed through the model's own
// kernel by properties/isolation/log.ts, as a TypeScript variant's is.

import { Layout, viewsOf } from '../model/layout';
import { hasMirroredTdp } from '../model/vm';
import { WORD64 } from '../model/word';
import { XarrayMode, walk, xaFind } from '../model/xarray';

/** One view: NSLOTS {ID BASE_GFN NPAGES PGOFF}... NVISITS {INDEX ID}... FOUND [INDEX ID] MIRRORED. */
function viewFields(view: Layout, start: bigint, last: bigint, mode: XarrayMode): Array<string | number | bigint> {
  const parts: Array<string | number | bigint> = [view.slots.length];
  for (const s of view.slots) parts.push(s.id, s.base_gfn, s.npages, s.pgoff);
  const visits = walk(view, start, last, mode);
  parts.push(visits.length);
  for (const v of visits) parts.push(v.index, v.slot.id);
  const hit = xaFind(view, start, last, mode);
  if (hit) parts.push(1, hit.index, hit.slot.id);
  else parts.push(0);
  // the VM: 1 for one with mirrored TDP (model/vm.ts), where only a PRIVATE unmap reaches the memory
  parts.push(view.vmType && hasMirroredTdp(view.vmType) ? 1 : 0);
  return parts;
}

/** `release`: the view whose file a release closes; absent for every other caller. */
export function requestLine(seq: number, layout: Layout, start: bigint, end: bigint, mode: XarrayMode, release?: number): string {
  const last = WORD64.ul(end - 1n);
  const [first, ...others] = viewsOf(layout);
  const parts: Array<string | number | bigint> = ['case', seq, start, end, ...viewFields(first, start, last, mode)];
  for (const v of others) parts.push('view', ...viewFields(v, start, last, mode));
  if (release !== undefined) parts.push('release', release);
  return parts.join(' ');
}
