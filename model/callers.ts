// The three callers of the invalidation, as inputs (KERNEL-FACTS §3): punch hole through
// fallocate (vfs_fallocate() then kvm_gmem_fallocate()), release of the file, and memory
// failure of a folio. Each yields the [start, end) file-index range handed to
// kvm_gmem_invalidate_begin/_end, or the errno that stops the call before any invalidation.

import { Errno, ModelInputError, requireS64 } from './errno';
import { Layout, LLONG_MAX, PAGE_SHIFT, PAGE_SIZE } from './layout';
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
  | { readonly kind: 'memory-failure'; readonly index: bigint; readonly order: number };

/**
 * What the caller does: invalidate [start, end) (in every view, or in `view` only: a release,
 * whose view is always named, the first when the file has one),
 * allocate (no invalidation), or fail with an errno.
 */
export type Resolved =
  | { readonly kind: 'invalidate'; readonly start: bigint; readonly end: bigint; readonly view?: number }
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
export function fallocate(mode: number, offset: bigint, len: bigint, fileSize: bigint): Resolved {
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
  if (offset % PAGE_SIZE !== 0n || len % PAGE_SIZE !== 0n) {
    return fail('EINVAL', 'kvm_gmem_fallocate: offset and len must be page aligned');
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
  const nr = 1n << BigInt(order);
  if (index < 0n || index >= layout.filePages || index % nr !== 0n) {
    throw new ModelInputError(
      `a folio of ${nr} pages must start inside the file (${layout.filePages} pages) at a multiple of ${nr}, got ${index}`,
    );
  }
  return { kind: 'invalidate', start: index, end: index + nr };
}

export function resolve(layout: Layout, op: Operation, word: Word): Resolved {
  switch (op.kind) {
    case 'punch': return fallocate(op.mode, op.offset, op.len, layout.filePages << PAGE_SHIFT);
    case 'release': return release(word, layout, op.view ?? 0);
    case 'memory-failure': return memoryFailure(layout, op.index, op.order);
  }
}

