// The callers of the invalidation, as inputs (KERNEL-FACTS §3, §6): punch hole through
// fallocate (vfs_fallocate() then kvm_gmem_fallocate()), release of the file, memory failure of
// a folio, and (the in-place conversion series) a conversion between shared and private. Each
// yields the [start, end) file-index range handed to kvm_gmem_invalidate_begin/_end (and zap),
// or the errno that stops the call before any invalidation.

import { Errno, KernelError, ModelInputError, requireS64, requireU64 } from './errno';
import { Layout, Memslot, PAGE_SHIFT, Region2, bindEraOf, checkRegion } from './layout';
import { alignDown, alignUp } from './ranges';
import {
  BindEra, FALLOC_FL_PUNCH_HOLE, FOLIO_NOT_HUGE, FOLIO_ORDER, FOLIO_PLACE, MAX_FOLIO_ORDER, Refusal, bindingMeeting, folioFault, kvmGmemBind, kvmGmemBindExpected, kvmGmemFallocate,
  kvmGmemSetAttributes, pageBytes, vfsFallocate,
} from './rules';
import { Word } from './word';

export {
  FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_MODE_MASK, FALLOC_FL_NO_HIDE_STALE,
  FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_WRITE_ZEROES, FALLOC_FL_ZERO_RANGE, MAX_FOLIO_ORDER,
} from './rules';

export type Operation =
  | { readonly kind: 'punch'; readonly mode: number; readonly offset: bigint; readonly len: bigint }
  /** The last reference to one view's file dropped: `view` (absent: the first) of the inode's views (§6). */
  | { readonly kind: 'release'; readonly view?: number }
  | { readonly kind: 'memory-failure'; readonly index: bigint; readonly order: number }
  /** KVM_SET_MEMORY_ATTRIBUTES2 on the file: bytes [offset, offset + size) to private or to shared. */
  | { readonly kind: 'convert'; readonly offset: bigint; readonly size: bigint; readonly toPrivate: boolean }
  /**
   * KVM_SET_USER_MEMORY_REGION2 of a new KVM_MEM_GUEST_MEMFD slot on the first view: the request
   * kvm_gmem_bind() answers (the bind-within-file property), not an invalidation.
   */
  | { readonly kind: 'bind'; readonly slot: number; readonly guest_phys_addr: bigint; readonly memory_size: bigint; readonly guest_memfd_offset: bigint };

/**
 * What the caller does: invalidate [start, end) (in every view, or in `view` only: a release,
 * whose view is always named, the first when the file has one),
 * allocate (no invalidation), or fail with an errno.
 */
export type Resolved =
  | {
      readonly kind: 'invalidate'; readonly start: bigint; readonly end: bigint; readonly view?: number;
      /**
       * A conversion of [start, end): the pages every view must have zapped, and the huge-page
       * aligned range its invalidation must bracket (kvm_gmem_compute_invalidate_start/_end).
       */
      readonly convert?: { readonly toPrivate: boolean; readonly bracket: { readonly start: bigint; readonly end: bigint } };
    }
  | { readonly kind: 'allocate' }
  | { readonly kind: 'error'; readonly errno: Errno; readonly rule: string }
  | BindRequest;

/** A bind request that reached kvm_gmem_bind(): what it asks, and what the model says of it. */
export interface BindRequest {
  readonly kind: 'bind';
  /** The era whose errnos judge the answer: the layout's (model/layout.ts bindEraOf). */
  readonly era: BindEra;
  /** The memslot __kvm_set_memory_region() made, with the binding it asks for: pgoff = offset >> PAGE_SHIFT. */
  readonly slot: Memslot;
  /** guest_memfd_offset, the __u64 kvm_gmem_bind() is given. */
  readonly offset: bigint;
  /** i_size_read() of the file, in bytes. */
  readonly i_size: bigint;
  /** The binding of the view the range meets, if any (what xa_find() finds). */
  readonly taken: Memslot | null;
  /** What the kernel of the era answers (model/rules.ts kvmGmemBind): null accepts. */
  readonly kernel: Refusal | null;
  /** What kvm_gmem_bind() must answer (kvmGmemBindExpected), the property's reference: null accepts. */
  readonly expected: Refusal | null;
}

/**
 * fallocate(fd, mode, offset, len) on a guest_memfd of `fileSize` bytes: vfs_fallocate()'s checks
 * (fs/open.c, as the live 6.18 kernel and torvalds/linux @01f492e1 have them since "fs: sort out
 * the fallocate mode vs flag mess", 57413d8e172c, Linux 6.12), then kvm_gmem_fallocate()'s
 * (virt/kvm/guest_memfd.c, the same from 6.8 to @01f492e1). Before 6.12 the VFS answered a mix
 * of COLLAPSE_RANGE or INSERT_RANGE with other bits with -EINVAL; it never reaches the
 * invalidation either way. Measured against the live kernel by `npm run kvm` (live/).
 */
export function fallocate(mode: number, offset: bigint, len: bigint, fileSize: bigint, pageOrder = 0): Resolved {
  if (!Number.isInteger(mode) || mode < -0x8000_0000 || mode > 0x7fff_ffff) {
    throw new ModelInputError(`mode must be a C int, got ${mode}`);
  }
  requireS64('offset', offset);
  requireS64('len', len);
  const refused = vfsFallocate(mode, offset, len) ?? kvmGmemFallocate(mode, offset, len, fileSize, pageOrder);
  if (refused) return { kind: 'error', errno: refused.errno, rule: pageOrder ? `${refused.rule} (${pageBytes(pageOrder)} bytes at order ${pageOrder})` : refused.rule };
  if (!(mode & FALLOC_FL_PUNCH_HOLE)) return { kind: 'allocate' };
  // kvm_gmem_punch_hole: no size check, punching past EOF is allowed
  return { kind: 'invalidate', start: offset >> PAGE_SHIFT, end: (offset + len) >> PAGE_SHIFT };
}

/**
 * kvm_gmem_release: the whole file, (0, ULONG_MAX); the walk covers [0, ULONG_MAX - 1] (§3). From
 * 2025 it is one view's file that is closed, and only that view is invalidated (§6).
 */
export function release(word: Word, layout?: Layout, view = 0): Resolved {
  const views = 1 + (layout?.otherViews?.length ?? 0);
  if (!Number.isInteger(view) || view < 0 || view >= views) throw new ModelInputError(`release of view ${view}, but the file has ${views} view(s)`);
  return { kind: 'invalidate', start: 0n, end: word.MAX, view };
}

/**
 * kvm_gmem_error_folio: [folio index, folio index + nr_pages). A folio lives in the page cache,
 * so its index is inside the file and aligned to its size; it may run past the end of the file
 * (model/rules.ts isFolio).
 */
export function memoryFailure(layout: Layout, index: bigint, order: number): Resolved {
  const fault = Number.isInteger(order) ? folioFault(layout.filePages, layout.pageOrder ?? 0, index, order) : FOLIO_ORDER;
  const nr = Number.isInteger(order) && order >= 0 ? 1n << BigInt(order) : 0n;
  if (fault === FOLIO_ORDER) throw new ModelInputError(`folio order must be in [0, ${MAX_FOLIO_ORDER}], got ${order}`);
  if (fault === FOLIO_NOT_HUGE) throw new ModelInputError(`a file of page order ${layout.pageOrder} has folios of order ${layout.pageOrder} or 0, got ${order}`);
  if (fault === FOLIO_PLACE) {
    throw new ModelInputError(`a folio of ${nr} pages must start inside the file (${layout.filePages} pages) at a multiple of ${nr}, got ${index}`);
  }
  return { kind: 'invalidate', start: index, end: index + nr };
}

/**
 * KVM_SET_MEMORY_ATTRIBUTES2 on the guest_memfd (kvm_gmem_set_attributes(), the in-place
 * conversion series, §6), in its order: size 0 or offset + size wrapping, an offset or size not
 * page aligned, a range not inside the file: -EINVAL. A range that already has the attributes
 * is left alone. The model's files are created without INIT_SHARED, so every page is private
 * and only a conversion to shared reaches the invalidation. Pages are converted one huge page
 * at a time; the invalidation brackets the huge pages and zaps [start, end).
 */
export function convert(layout: Layout, offset: bigint, size: bigint, toPrivate: boolean): Resolved {
  requireU64('offset', offset);
  requireU64('size', size);
  const refused = kvmGmemSetAttributes(offset, size, layout.filePages << PAGE_SHIFT);
  if (refused) return { kind: 'error', errno: refused.errno, rule: refused.rule };
  if (toPrivate) return { kind: 'allocate' }; // already private: kvm_gmem_range_has_attributes(), nothing to do
  const start = offset >> PAGE_SHIFT, end = (offset + size) >> PAGE_SHIFT;
  const huge = 1n << BigInt(layout.pageOrder ?? 0);
  return { kind: 'invalidate', start, end, convert: { toPrivate, bracket: { start: alignDown(start, huge), end: alignUp(end, huge) } } };
}

/**
 * KVM_SET_USER_MEMORY_REGION2 of a new guest_memfd slot on the file's first view: the checks
 * before kvm_gmem_bind() (a refusal there is an 'error': the request never reaches it), then
 * what the kernel of the layout's era answers and what kvm_gmem_bind() must answer.
 */
export function bindRequest(layout: Layout, r: Region2): Resolved {
  if (r.memory_size >> PAGE_SHIFT === 0n) throw new ModelInputError('a bind request binds: memory_size 0 deletes a slot');
  try {
    checkRegion(layout, r);
  } catch (e) {
    if (e instanceof KernelError) return { kind: 'error', errno: e.errno, rule: e.rule };
    throw e;
  }
  const npages = r.memory_size >> PAGE_SHIFT;
  const slot: Memslot = Object.freeze({ id: r.slot, pgoff: r.guest_memfd_offset >> PAGE_SHIFT, npages, base_gfn: r.guest_phys_addr >> PAGE_SHIFT });
  const era = bindEraOf(layout), i_size = layout.filePages << PAGE_SHIFT;
  const taken = bindingMeeting(layout.slots, slot.pgoff, npages);
  return {
    kind: 'bind', era, slot, offset: r.guest_memfd_offset, i_size, taken,
    kernel: kvmGmemBind(era, i_size, r.guest_memfd_offset, r.memory_size, taken !== null),
    expected: kvmGmemBindExpected(era, i_size, r.guest_memfd_offset, r.memory_size, taken !== null),
  };
}

export function resolve(layout: Layout, op: Operation, word: Word): Resolved {
  switch (op.kind) {
    case 'convert': return convert(layout, op.offset, op.size, op.toPrivate);
    case 'punch': return fallocate(op.mode, op.offset, op.len, layout.filePages << PAGE_SHIFT, layout.pageOrder ?? 0);
    case 'release': return release(word, layout, op.view ?? 0);
    case 'memory-failure': return memoryFailure(layout, op.index, op.order);
    case 'bind': return bindRequest(layout, op);
  }
}

