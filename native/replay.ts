// The request line to native/driver.c: a case's range, then per view its slots, the chunks its
// bindings xarray holds (model/xarray.ts, as xa_store_range() cut each binding) and its VM. The
// driver walks those chunks for whatever range a body asks, as the model does, so C iterates
// exactly as a TypeScript variant would; a release names the view whose file it closes, a bind
// request the slot, offset and file size kvm_gmem_bind() is given. The
// reply, the driver's log of KVM calls, is replayed through the model's own kernel by
// properties/isolation/log.ts, as a TypeScript variant's is.

import { BindRequest } from '../model/callers';
import { Layout, viewsOf } from '../model/layout';
import { hasMirroredTdp } from '../model/vm';
import { chunksOf } from '../model/xarray';

/** One view: NSLOTS {ID BASE_GFN NPAGES PGOFF}... NCHUNKS {FIRST LAST ID}... MIRRORED. */
function viewFields(view: Layout): Array<string | number | bigint> {
  const parts: Array<string | number | bigint> = [view.slots.length];
  for (const s of view.slots) parts.push(s.id, s.base_gfn, s.npages, s.pgoff);
  const chunks = chunksOf(view);
  parts.push(chunks.length);
  for (const c of chunks) parts.push(c.first, c.last, c.slot.id);
  // the VM: 1 for one with mirrored TDP (model/vm.ts), where only a PRIVATE unmap reaches the memory
  parts.push(view.vmType && hasMirroredTdp(view.vmType) ? 1 : 0);
  return parts;
}

/**
 * `release`: the view whose file a release closes; `bind`: a bind request, kvm_gmem_bind() of the
 * new slot at guest_memfd_offset `offset` on a file of `i_size` bytes; absent for every other caller.
 * `stream`: the driver writes each log line as it makes it (a hang's confirming run).
 */
export function requestLine(seq: number, layout: Layout, start: bigint, end: bigint, release?: number, bind?: BindRequest, stream = false): string {
  const [first, ...others] = viewsOf(layout);
  const parts: Array<string | number | bigint> = ['case', seq, start, end, ...viewFields(first)];
  for (const v of others) parts.push('view', ...viewFields(v));
  if (release !== undefined) parts.push('release', release);
  if (bind) parts.push('bind', bind.slot.id, bind.slot.base_gfn, bind.slot.npages, bind.offset, bind.i_size);
  if (stream) parts.push('stream');
  return parts.join(' ');
}
