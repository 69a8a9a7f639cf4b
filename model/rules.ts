// The kernel's input rules, stated once: the checks by which kvm_gmem_create(),
// __kvm_set_memory_region(), kvm_gmem_bind(), vfs_fallocate()/kvm_gmem_fallocate(), memory
// failure and kvm_gmem_set_attributes() accept or refuse what userspace asks (KERNEL-FACTS §3,
// §6), as small scalar functions. The model's callers (model/layout.ts createGmem() and bind(),
// model/callers.ts) call them to build and resolve every case; the bind-within-file property
// judges a variant's kvm_gmem_bind() against kvmGmemBindExpected(); a prover runs the same
// functions on symbolic values to state which inputs a variant can meet.
//
// The contract every function here keeps, so that a source transform can run it symbolically:
//  - Parameters: `bigint` ones may be symbolic (64-bit kernel values, written as unbounded
//    integers; their domain is named in each function's comment: __u64 [0, 2^64), loff_t
//    [-2^63, 2^63), a page count...). `number`, `boolean` and `BindEra` ones are concrete: a
//    prover enumerates them or fixes them per shape (a page order, a mode, a slot id, an era).
//    Arrays (`readonly Memslot[]`) have a concrete length; their elements' bigint fields may be
//    symbolic.
//  - Body: bigint `+ - * / %`, `<<`/`>>` by a concrete amount, `&` with a constant mask of the form
//    2^k - 1 (or its complement), comparisons, `=== !==`, `&& || ! ?:`, `if`/`return`, calls of the
//    functions of this module and of s64()/u64() (model/word.ts: the 64-bit wraps, by name),
//    BigInt(n) of a concrete number, and `for (const x of array)` over a concrete array. No
//    callbacks (no .find(s => ...)), no `switch`, no `throw`, no string built from a value, no
//    other library call. Bitwise operators on `number`s (a fallocate mode) are concrete.
//  - Result: `null` when the call is accepted, else one of the frozen Refusal constants below
//    (compare by identity; each has its errno and a constant text). The finders return an element
//    of their array or null; folioFault() one of its three constant strings or null.
//  - Pure: nothing is read but the parameters and this module's constants; nothing is written.
// Each rule cites the kernel function it states; its callers add the case's values to the error
// they throw (KernelError.of(refusal, detail)).

import type { Errno } from './errno';
import { s64, u64 } from './word';

/** A memslot bound to the file: file indices [pgoff, pgoff+npages) back gfns [base_gfn, base_gfn+npages) (§1). */
export interface Memslot {
  readonly id: number;
  readonly pgoff: bigint;
  readonly npages: bigint;
  readonly base_gfn: bigint;
}

export const PAGE_SHIFT = 12n;
export const PAGE_SIZE = 1n << PAGE_SHIFT;
/** KVM_MEM_MAX_NR_PAGES: (1 << 31) - 1 (§3). */
export const KVM_MEM_MAX_NR_PAGES = (1n << 31n) - 1n;
/** x86's KVM_USER_MEM_SLOTS: SHRT_MAX less the 3 internal slots (kvm_vm_ioctl_set_memory_region). */
export const KVM_USER_MEM_SLOTS = 32764;
/** loff_t's maximum, the largest i_size a guest_memfd can have (kvm_gmem_create takes a loff_t). */
export const LLONG_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** A refusal: the errno and, in words, the check (and the kernel function) that gave it. */
export interface Refusal {
  readonly errno: Errno;
  readonly rule: string;
}
const refusal = (errno: Errno, rule: string): Refusal => Object.freeze({ errno, rule });

/**
 * kvm_gmem_bind()'s eras (KERNEL-FACTS §3, "Bind in 7.2"): '6.8' from the 6.8 merge through 7.1,
 * where the offset and size are loff_t (their sum wraps negative past LLONG_MAX and passes) and a
 * second binding of a range is -EINVAL; '7.2' from the pull "KVM guest_memfd changes for 7.2"
 * (merge 06ba195f136a: eba85fee7fc6 "KVM: guest_memfd: Treat memslot binding offset+size as
 * unsigned values", 7ea987a90585 "KVM: guest_memfd: Return -EEXIST for overlapping bindings"),
 * where they are unsigned and a second binding is -EEXIST.
 */
export type BindEra = '6.8' | '7.2';
export const BIND_ERAS: readonly BindEra[] = ['6.8', '7.2'];

const PAGE_MASK = PAGE_SIZE - 1n;
/** PAGE_ALIGNED(x) of a byte value. */
export const pageAligned = (x: bigint): boolean => (x & PAGE_MASK) === 0n;

// ---- kvm_gmem_create() (virt/kvm/guest_memfd.c; the HugeTLB series' page order, §6) ----

export const CREATE_PAGE_ORDER = refusal('EINVAL', 'kvm_gmem_create: the page order is not 0, 9 or 18 (gmem_hugetlb_valid_order)');
export const CREATE_SIZE = refusal('EINVAL', 'kvm_gmem_create: size must be > 0 and a multiple of the page (PAGE_SIZE << page_order)');
export const CREATE_NEGATIVE = refusal('EINVAL', 'kvm_gmem_create: size is a loff_t and must not be negative');

/** The bytes of the inode's page at a valid page order: 4 KiB, 2 MiB or 1 GiB. */
export const pageBytes = (pageOrder: number): bigint => (pageOrder === 18 ? PAGE_SIZE << 18n : pageOrder === 9 ? PAGE_SIZE << 9n : PAGE_SIZE);

/** KVM_CREATE_GUEST_MEMFD of `size` bytes (a bigint that may be any value) at page order `pageOrder` (0, 9 or 18). */
export function kvmGmemCreate(size: bigint, pageOrder: number): Refusal | null {
  if (pageOrder !== 0 && pageOrder !== 9 && pageOrder !== 18) return CREATE_PAGE_ORDER;
  if (size <= 0n || size % pageBytes(pageOrder) !== 0n) return CREATE_SIZE;
  if (size > LLONG_MAX) return CREATE_NEGATIVE;
  return null;
}

// ---- KVM_SET_USER_MEMORY_REGION2: kvm_vm_ioctl_set_memory_region(), __kvm_set_memory_region() ----

export const SLOT_ID = refusal('EINVAL', 'the slot id is not a u16');
export const SLOT_USER = refusal('EINVAL', `slot id must be below KVM_USER_MEM_SLOTS (${KVM_USER_MEM_SLOTS})`);
export const SIZE_ALIGNED = refusal('EINVAL', '__kvm_set_memory_region: memory_size must be page aligned');
export const GPA_ALIGNED = refusal('EINVAL', '__kvm_set_memory_region: guest_phys_addr must be page aligned');
export const OFFSET_ALIGNED_NO_WRAP = refusal('EINVAL', '__kvm_set_memory_region: guest_memfd_offset must be page aligned and offset + size must not wrap');
export const GPA_NO_WRAP = refusal('EINVAL', '__kvm_set_memory_region: guest_phys_addr + memory_size must not wrap');
export const TOO_MANY_PAGES = refusal('EINVAL', '__kvm_set_memory_region: npages must not exceed KVM_MEM_MAX_NR_PAGES (2^31 - 1)');
export const DELETE_NONE = refusal('EINVAL', '__kvm_set_memory_region: deleting a slot that does not exist');
export const IMMUTABLE = refusal('EINVAL', '__kvm_set_memory_region: guest_memfd slots are immutable, they can only be deleted');
export const GFNS_TAKEN = refusal('EEXIST', '__kvm_set_memory_region: gfns overlap another slot in the same address space');

/** The memslot of `slots` with id `id`, or null (id_to_memslot()). */
export function slotWithId<S extends Pick<Memslot, 'id'>>(slots: readonly S[], id: number): S | null {
  for (const s of slots) if (s.id === id) return s;
  return null;
}

/** The memslot of `slots` whose gfns meet [base_gfn, base_gfn + npages), or null (kvm_check_memslot_overlap()). */
export function slotMeetingGfns(slots: readonly Memslot[], base_gfn: bigint, npages: bigint): Memslot | null {
  for (const s of slots) if (base_gfn < s.base_gfn + s.npages && s.base_gfn < base_gfn + npages) return s;
  return null;
}

/**
 * A KVM_MEM_GUEST_MEMFD region `slot` (an integer), guest_phys_addr `gpa`, memory_size `size` and
 * guest_memfd_offset `offset` (each a __u64), against the VM's memslots `slots`: the checks made
 * before kvm_gmem_bind() is called, in the kernel's order. Null: the region may be created (or,
 * with size 0, the existing slot deleted, which unbinds it without invalidating).
 */
export function kvmSetMemoryRegion(slot: number, gpa: bigint, size: bigint, offset: bigint, slots: readonly Memslot[]): Refusal | null {
  if (slot < 0 || slot > 0xffff) return SLOT_ID;
  // kvm_vm_ioctl_set_memory_region
  if (slot >= KVM_USER_MEM_SLOTS) return SLOT_USER;
  // __kvm_set_memory_region
  if (!pageAligned(size)) return SIZE_ALIGNED;
  if (!pageAligned(gpa)) return GPA_ALIGNED;
  if (!pageAligned(offset) || offset + size > U64_MAX) return OFFSET_ALIGNED_NO_WRAP;
  if (gpa + size > U64_MAX) return GPA_NO_WRAP;
  const npages = size >> PAGE_SHIFT;
  if (npages > KVM_MEM_MAX_NR_PAGES) return TOO_MANY_PAGES;
  const old = slotWithId(slots, slot);
  if (npages === 0n) return old === null ? DELETE_NONE : null;
  if (old !== null) return IMMUTABLE;
  if (slotMeetingGfns(slots, gpa >> PAGE_SHIFT, npages) !== null) return GFNS_TAKEN;
  return null;
}

// ---- kvm_gmem_bind() (virt/kvm/guest_memfd.c), by era ----

export const BIND_RANGE_SIGNED = refusal('EINVAL', 'kvm_gmem_bind: offset must not be negative and offset + size must not exceed the file size');
export const BIND_RANGE = refusal('EINVAL', 'kvm_gmem_bind: offset + size must not exceed the file size');
export const BIND_TAKEN_EINVAL = refusal('EINVAL', 'kvm_gmem_bind: file range overlaps another binding of the view');
export const BIND_TAKEN_EEXIST = refusal('EEXIST', 'kvm_gmem_bind: file range overlaps another binding of the view');

/**
 * The binding of `slots` (one view's) that file pages [pgoff, pgoff + npages) meet, or null: what
 * kvm_gmem_bind()'s xa_find(&bindings, &start, end - 1, XA_PRESENT) finds. Another VM's view may
 * bind the same pages (§6).
 */
export function bindingMeeting(slots: readonly Memslot[], pgoff: bigint, npages: bigint): Memslot | null {
  for (const s of slots) if (pgoff < s.pgoff + s.npages && s.pgoff < pgoff + npages) return s;
  return null;
}

/**
 * kvm_gmem_bind() of a region of `size` bytes (npages << PAGE_SHIFT, at most 2^43 - 2^12) at
 * guest_memfd_offset `offset` (the __u64 of the request) to a file of `i_size` bytes
 * (i_size_read(), in [0, 2^63)); `taken`: the file range meets a binding of the view. As the
 * kernel of `era` computes it, in its order:
 *  - 6.8 to 7.1: offset and size are loff_t: an offset at or above 2^63 is negative and refused;
 *    the sum is a signed 64-bit addition that wraps (-fno-strict-overflow), so an offset just
 *    below 2^63 makes a negative sum that passes the size check (findings/bind-offset-overflow.md,
 *    KERNEL-FACTS §7). A second binding is -EINVAL.
 *  - 7.2: offset and size are unsigned (uoff_t): the sum is a u64, which cannot wrap here since
 *    __kvm_set_memory_region() refused an offset + size past 2^64. A second binding is -EEXIST.
 */
export function kvmGmemBind(era: BindEra, i_size: bigint, offset: bigint, size: bigint, taken: boolean): Refusal | null {
  if (era === '6.8') {
    if (s64(offset) < 0n || !pageAligned(offset) || s64(s64(offset) + size) > i_size) return BIND_RANGE_SIGNED;
    if (taken) return BIND_TAKEN_EINVAL;
    return null;
  }
  if (!pageAligned(offset) || u64(offset + size) > i_size) return BIND_RANGE;
  if (taken) return BIND_TAKEN_EEXIST;
  return null;
}

/**
 * What kvm_gmem_bind() must answer, in `era`'s errnos (the reference of the bind-within-file
 * property): a binding only wholly inside the file and over no other binding of the view, else
 * -EINVAL for a range outside the file and the era's errno for a second binding. That is 7.2's
 * rule, with -EINVAL for a second binding before 7.2: on every request __kvm_set_memory_region()
 * lets through, 7.2's unsigned sum is the exact end of the binding.
 */
export function kvmGmemBindExpected(era: BindEra, i_size: bigint, offset: bigint, size: bigint, taken: boolean): Refusal | null {
  const r = kvmGmemBind('7.2', i_size, offset, size, taken);
  return era === '6.8' && r === BIND_TAKEN_EEXIST ? BIND_TAKEN_EINVAL : r;
}

// ---- fallocate(): vfs_fallocate() (fs/open.c), then kvm_gmem_fallocate() ----

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

export const FALLOC_RANGE = refusal('EINVAL', 'vfs_fallocate: offset < 0 or len <= 0');
export const FALLOC_UNKNOWN_MODE = refusal('EOPNOTSUPP', 'vfs_fallocate: unknown mode bits');
export const FALLOC_PUNCH_WITHOUT_KEEP = refusal('EOPNOTSUPP', 'vfs_fallocate: PUNCH_HOLE without KEEP_SIZE');
export const FALLOC_KEEP_WITH_SIZE_CHANGE = refusal('EOPNOTSUPP', 'vfs_fallocate: COLLAPSE_RANGE, INSERT_RANGE or WRITE_ZEROES with KEEP_SIZE');
export const FALLOC_TWO_MODES = refusal('EOPNOTSUPP', 'vfs_fallocate: more than one mode bit');
export const FALLOC_TOO_BIG = refusal('EFBIG', 'vfs_fallocate: offset + len overflows or exceeds s_maxbytes');
export const GMEM_FALLOC_NO_KEEP = refusal('EOPNOTSUPP', 'kvm_gmem_fallocate: mode must contain KEEP_SIZE');
export const GMEM_FALLOC_MODE = refusal('EOPNOTSUPP', 'kvm_gmem_fallocate: only KEEP_SIZE and PUNCH_HOLE are supported');
export const GMEM_FALLOC_ALIGNED = refusal('EINVAL', 'kvm_gmem_fallocate: offset and len must be page aligned');
export const GMEM_FALLOC_HUGE_ALIGNED = refusal('EINVAL', "kvm_gmem_fallocate: offset and len must be multiples of the inode's page (PAGE_SIZE << page_order)");
export const GMEM_ALLOCATE_PAST_EOF = refusal('EINVAL', 'kvm_gmem_allocate: offset + len past the end of the file');

/**
 * vfs_fallocate() (fs/open.c, as the live 6.18 kernel and torvalds/linux @01f492e1 have it since
 * "fs: sort out the fallocate mode vs flag mess", 57413d8e172c, Linux 6.12) of `mode` (a C int)
 * at `offset` for `len` (each a loff_t), in its order. Before 6.12 the VFS answered a mix of
 * COLLAPSE_RANGE or INSERT_RANGE with other bits with -EINVAL; it never reaches the invalidation
 * either way. Measured against the live kernel by `npm run kvm` (live/).
 */
export function vfsFallocate(mode: number, offset: bigint, len: bigint): Refusal | null {
  if (offset < 0n || len <= 0n) return FALLOC_RANGE;
  if (mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)) return FALLOC_UNKNOWN_MODE;
  const op = mode & FALLOC_FL_MODE_MASK;
  if (op === FALLOC_FL_PUNCH_HOLE) {
    if (!(mode & FALLOC_FL_KEEP_SIZE)) return FALLOC_PUNCH_WITHOUT_KEEP;
  } else if (op === FALLOC_FL_COLLAPSE_RANGE || op === FALLOC_FL_INSERT_RANGE || op === FALLOC_FL_WRITE_ZEROES) {
    if (mode & FALLOC_FL_KEEP_SIZE) return FALLOC_KEEP_WITH_SIZE_CHANGE;
  } else if (op !== 0 && op !== FALLOC_FL_UNSHARE_RANGE && op !== FALLOC_FL_ZERO_RANGE) {
    return FALLOC_TWO_MODES;
  }
  // offset + len in loff_t: a signed overflow wraps negative, and both cases are -EFBIG
  if (offset + len > S_MAXBYTES) return FALLOC_TOO_BIG;
  return null;
}

/**
 * kvm_gmem_fallocate() (virt/kvm/guest_memfd.c, the same from 6.8 to @01f492e1) after the VFS
 * let the call through: the mode, then the alignment to the inode's page (PAGE_SIZE <<
 * page_order in the HugeTLB series, §6), then for an allocation kvm_gmem_allocate()'s end of
 * the file (`fileSize` bytes). A punch has no size check: punching past the end is allowed.
 */
export function kvmGmemFallocate(mode: number, offset: bigint, len: bigint, fileSize: bigint, pageOrder: number): Refusal | null {
  if (!(mode & FALLOC_FL_KEEP_SIZE)) return GMEM_FALLOC_NO_KEEP;
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return GMEM_FALLOC_MODE;
  const page = pageBytes(pageOrder);
  if (offset % page !== 0n || len % page !== 0n) return pageOrder === 0 ? GMEM_FALLOC_ALIGNED : GMEM_FALLOC_HUGE_ALIGNED;
  // kvm_gmem_allocate: the file is immutable in size, allocation stops at its end
  if (!(mode & FALLOC_FL_PUNCH_HOLE) && offset + len > fileSize) return GMEM_ALLOCATE_PAST_EOF;
  return null;
}

// ---- memory failure: kvm_gmem_error_folio() ----

/** The largest folio memory failure reports on: 1 GiB, 2^18 pages (§3). */
export const MAX_FOLIO_ORDER = 18;

/** Why a folio is not one a file's page cache can hold (not a kernel refusal: memory failure only reports on real folios). */
export const FOLIO_ORDER = 'FOLIO_ORDER';
export const FOLIO_NOT_HUGE = 'FOLIO_NOT_HUGE';
export const FOLIO_PLACE = 'FOLIO_PLACE';
export type FolioFault = typeof FOLIO_ORDER | typeof FOLIO_NOT_HUGE | typeof FOLIO_PLACE;

/**
 * Why a folio of order `order` (an integer) at file index `index` is not one the page cache of a
 * file of `filePages` pages at page order `pageOrder` can hold, or null when it is one memory
 * failure can report on: its order at most 18, its index inside the file and aligned to its size
 * (it may run past the end of the file); a HugeTLB file's folios are its huge pages, or split to
 * 4 KiB once converted to shared (§6).
 */
export function folioFault(filePages: bigint, pageOrder: number, index: bigint, order: number): FolioFault | null {
  if (order < 0 || order > MAX_FOLIO_ORDER) return FOLIO_ORDER;
  if (pageOrder !== 0 && order !== pageOrder && order !== 0) return FOLIO_NOT_HUGE;
  const nr = 1n << BigInt(order);
  if (index < 0n || index >= filePages || index % nr !== 0n) return FOLIO_PLACE;
  return null;
}

// ---- KVM_SET_MEMORY_ATTRIBUTES2 on a guest_memfd: kvm_gmem_set_attributes() (the in-place conversion series, §6) ----

export const ATTR_EMPTY_OR_WRAP = refusal('EINVAL', 'kvm_gmem_set_attributes: size is 0 or offset + size wraps');
export const ATTR_ALIGNED = refusal('EINVAL', 'kvm_gmem_set_attributes: offset and size must be page aligned');
export const ATTR_OUTSIDE = refusal('EINVAL', 'kvm_gmem_set_attributes: the range must lie inside the file');

/** A conversion of bytes [offset, offset + size) (each a __u64) of a file of `i_size` bytes, in the ioctl's order. */
export function kvmGmemSetAttributes(offset: bigint, size: bigint, i_size: bigint): Refusal | null {
  if (size === 0n || offset + size > U64_MAX) return ATTR_EMPTY_OR_WRAP;
  if (!pageAligned(offset) || !pageAligned(size)) return ATTR_ALIGNED;
  if (offset >= i_size || offset + size > i_size) return ATTR_OUTSIDE;
  return null;
}
