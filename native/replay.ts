// The request line to native/driver.c: a case's slots, its range and the model's walk of
// [start, end - 1] and xa_find answer (model/xarray.ts), so C iterates exactly as a TypeScript
// variant would. The reply, the driver's log of KVM calls, is replayed through the model's own
// kernel by properties/isolation/log.ts, as a TypeScript variant's is.

import { Layout } from '../model/layout';
import { hasMirroredTdp } from '../model/vm';
import { WORD64 } from '../model/word';
import { XarrayMode, walk, xaFind } from '../model/xarray';

export function requestLine(seq: number, layout: Layout, start: bigint, end: bigint, mode: XarrayMode): string {
  const last = WORD64.ul(end - 1n);
  const parts: Array<string | number | bigint> = ['case', seq, start, end, layout.slots.length];
  for (const s of layout.slots) parts.push(s.id, s.base_gfn, s.npages, s.pgoff);
  const visits = walk(layout, start, last, mode);
  parts.push(visits.length);
  for (const v of visits) parts.push(v.index, v.slot.id);
  const hit = xaFind(layout, start, last, mode);
  if (hit) parts.push(1, hit.index, hit.slot.id);
  else parts.push(0);
  // the VM: 1 for one with mirrored TDP (model/vm.ts), where only a PRIVATE unmap reaches the memory
  parts.push(layout.vmType && hasMirroredTdp(layout.vmType) ? 1 : 0);
  return parts.join(' ');
}

