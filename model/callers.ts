// The callers of the invalidation, as inputs (KERNEL-FACTS §3, §6): punch hole through
// fallocate (vfs_fallocate() then kvm_gmem_fallocate()), release of the file, memory failure of
// a folio, and (the in-place conversion series) a conversion between shared and private. Each
// yields the [start, end) file-index range handed to kvm_gmem_invalidate_begin/_end (and zap),
// or the errno that stops the call before any invalidation.

import { Errno, ModelInputError, requireS64, requireU64 } from './errno';
import { Layout, LLONG_MAX, PAGE_SHIFT, PAGE_SIZE } from './layout';
import { alignDown, alignUp } from './ranges';
import { Word } from './word';

// include/uapi/linux/falloc.h
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_NO_HIDE_STALE = 0x04;
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const FALLOC_FL_INSERT_RANGE = 0x20;
export const FALLOC_FL_UNSHARE_RANGE = 0x40;
/** Linux 6.17 on ("fs: introduce FALLOC_FL_WRITE_ZEROES to fallocate"). */
export const FALLOC_FL_WRITE_ZEROES = 0x80;
/**
 * include/linux/falloc.h: the mode bits, of which vfs_fallocate() lets at most one through; the
 * flag FALLOC_FL_KEEP_SIZE is not one of them. (0, FALLOC_FL_ALLOCATE_RANGE, allocates.)
 */
export const FALLOC_FL_MODE_MASK =
  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE |
  FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES;
/** The guest_memfd inode's s_maxbytes: MAX_LFS_FILESIZE, LLONG_MAX on 64-bit. */
const S_MAXBYTES = LLONG_MAX;

export type Operation =
  | { readonly kind: 'punch'; readonly mode: number; readonly offset: bigint; readonly len: bigint }
  /** The last reference to one view's file dropped: `view` (absent: the first) of the inode's views (§6). */
  | { readonly kind: 'release'; readonly view?: number }
  | { readonly kind: 'memory-failure'; readonly index: bigint; readonly order: number }
  /** KVM_SET_MEMORY_ATTRIBUTES2 on the file: bytes [offset, offset + size) to private or to shared. */
  | { readonly kind: 'convert'; readonly offset: bigint; readonly size: bigint; readonly toPrivate: boolean };

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
  | { readonly kind: 'error'; readonly errno: Errno; readonly rule: string };

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
  const fail = (errno: Errno, rule: string): Resolved => ({ kind: 'error', errno, rule });
  // vfs_fallocate (fs/open.c), in its order
  if (offset < 0n || len <= 0n) return fail('EINVAL', 'vfs_fallocate: offset < 0 or len <= 0');
  if (mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)) return fail('EOPNOTSUPP', 'vfs_fallocate: unknown mode bits');
  switch (mode & FALLOC_FL_MODE_MASK) {
    case 0: case FALLOC_FL_UNSHARE_RANGE: case FALLOC_FL_ZERO_RANGE:
      break;
    case FALLOC_FL_PUNCH_HOLE:
      if (!(mode & FALLOC_FL_KEEP_SIZE)) return fail('EOPNOTSUPP', 'vfs_fallocate: PUNCH_HOLE without KEEP_SIZE');
      break;
    case FALLOC_FL_COLLAPSE_RANGE: case FALLOC_FL_INSERT_RANGE: case FALLOC_FL_WRITE_ZEROES:
      if (mode & FALLOC_FL_KEEP_SIZE) return fail('EOPNOTSUPP', 'vfs_fallocate: COLLAPSE_RANGE, INSERT_RANGE or WRITE_ZEROES with KEEP_SIZE');
      break;
    default:
      return fail('EOPNOTSUPP', 'vfs_fallocate: more than one mode bit');
  }
  // offset + len in loff_t: a signed overflow wraps negative, and both cases are -EFBIG
  if (offset + len > S_MAXBYTES) return fail('EFBIG', 'vfs_fallocate: offset + len overflows or exceeds s_maxbytes');
  // kvm_gmem_fallocate (virt/kvm/guest_memfd.c)
  if (!(mode & FALLOC_FL_KEEP_SIZE)) return fail('EOPNOTSUPP', 'kvm_gmem_fallocate: mode must contain KEEP_SIZE');
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) {
    return fail('EOPNOTSUPP', 'kvm_gmem_fallocate: only KEEP_SIZE and PUNCH_HOLE are supported');
  }
  // the HugeTLB series aligns to the inode's page, PAGE_SIZE << page_order (§6)
  const page = PAGE_SIZE << BigInt(pageOrder);
  if (offset % page !== 0n || len % page !== 0n) {
    return fail('EINVAL', pageOrder ? `kvm_gmem_fallocate: offset and len must be multiples of the inode's page, ${page} bytes at order ${pageOrder}` : 'kvm_gmem_fallocate: offset and len must be page aligned');
  }
  if (!(mode & FALLOC_FL_PUNCH_HOLE)) {
    // kvm_gmem_allocate: the file is immutable in size, allocation stops at its end
    if (offset + len > fileSize) return fail('EINVAL', 'kvm_gmem_allocate: offset + len past the end of the file');
    return { kind: 'allocate' };
  }
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

/** The largest folio memory failure reports on: 1 GiB, 2^18 pages (§3). */
export const MAX_FOLIO_ORDER = 18;

/**
 * kvm_gmem_error_folio: [folio index, folio index + nr_pages). A folio lives in the page cache,
 * so its index is inside the file and aligned to its size; it may run past the end of the file.
 */
export function memoryFailure(layout: Layout, index: bigint, order: number): Resolved {
  if (!Number.isInteger(order) || order < 0 || order > MAX_FOLIO_ORDER) {
    throw new ModelInputError(`folio order must be in [0, ${MAX_FOLIO_ORDER}], got ${order}`);
  }
  // a HugeTLB file's folios are its huge pages, or split to 4 KiB once converted to shared (§6)
  if (layout.pageOrder && order !== layout.pageOrder && order !== 0) {
    throw new ModelInputError(`a file of page order ${layout.pageOrder} has folios of order ${layout.pageOrder} or 0, got ${order}`);
  }
  const nr = 1n << BigInt(order);
  if (index < 0n || index >= layout.filePages || index % nr !== 0n) {
    throw new ModelInputError(
      `a folio of ${nr} pages must start inside the file (${layout.filePages} pages) at a multiple of ${nr}, got ${index}`,
    );
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
  const fail = (errno: Errno, rule: string): Resolved => ({ kind: 'error', errno, rule });
  if (size === 0n || offset + size >= 1n << 64n) return fail('EINVAL', 'kvm_gmem_set_attributes: size is 0 or offset + size wraps');
  if (offset % PAGE_SIZE !== 0n || size % PAGE_SIZE !== 0n) return fail('EINVAL', 'kvm_gmem_set_attributes: offset and size must be page aligned');
  const iSize = layout.filePages << PAGE_SHIFT;
  if (offset >= iSize || offset + size > iSize) return fail('EINVAL', 'kvm_gmem_set_attributes: the range must lie inside the file');
  if (toPrivate) return { kind: 'allocate' }; // already private: kvm_gmem_range_has_attributes(), nothing to do
  const start = offset >> PAGE_SHIFT, end = (offset + size) >> PAGE_SHIFT;
  const huge = 1n << BigInt(layout.pageOrder ?? 0);
  return { kind: 'invalidate', start, end, convert: { toPrivate, bracket: { start: alignDown(start, huge), end: alignUp(end, huge) } } };
}

export function resolve(layout: Layout, op: Operation, word: Word): Resolved {
  switch (op.kind) {
    case 'convert': return convert(layout, op.offset, op.size, op.toPrivate);
    case 'punch': return fallocate(op.mode, op.offset, op.len, layout.filePages << PAGE_SHIFT, layout.pageOrder ?? 0);
    case 'release': return release(word, layout, op.view ?? 0);
    case 'memory-failure': return memoryFailure(layout, op.index, op.order);
  }
}

