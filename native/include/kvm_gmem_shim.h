/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_gmem_shim.h: the kernel API a kvm_gmem_invalidate_begin()/_end() body uses, in user
 * space, so that a body taken from any era of virt/kvm/guest_mem{,fd}.c compiles unchanged:
 * the types, struct kvm_memory_slot / kvm_gfn_range / kvm_gmem / gmem_file / gmem_inode,
 * min()/max() with the kernel's type check, WARN_ON_ONCE, the MMU lock and invalidation
 * calls, and xa_for_each_range()/xa_find(); and what a kvm_gmem_bind() body uses: the file
 * (fget(), file_inode(), i_size_read()), xa_empty() and xa_store_range(), the errnos.
 *
 * Arithmetic is the kernel's: the unit is compiled with -fno-strict-overflow (native/compile.ts,
 * as the kernel's Makefile does), which in gcc 8 on implies -fwrapv: a loff_t (long long) sum
 * that leaves the type wraps modulo 2^64, as 6.8's kvm_gmem_bind() offset + size does.
 *
 * The xarray is not implemented here: each view's bindings arrive as the entries (chunks) the
 * TypeScript model says xa_store_range() made (model/xarray.ts), and xa_for_each_range() and
 * xa_find() walk them as the model walks them, for any range, so C and TypeScript variants see
 * exactly the same iteration.  The KVM
 * calls are implemented in native/driver.c, which logs each one for the TypeScript side.
 *
 * guest_memfd.c's own file-local helpers (GMEM_I, kvm_gmem_for_each_file) are macros here:
 * native/extract.ts #undefs them before it takes the tree's own definitions.
 */
#ifndef KVM_GMEM_SHIM_H
#define KVM_GMEM_SHIM_H

/* No libc header: a kernel body sees kernel types only (glibc's loff_t is a long). */
typedef _Bool bool;
#define true	1
#define false	0
#ifndef NULL
#define NULL	((void *)0)
#endif
#define offsetof(type, member)	__builtin_offsetof(type, member)
#ifndef ULONG_MAX
#define ULONG_MAX	(~0UL)
#endif

/* include/linux/types.h, 64-bit */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed long long s64;
typedef long long loff_t;
typedef unsigned long pgoff_t;
typedef u64 gfn_t;
typedef u64 gpa_t;
typedef u64 kvm_pfn_t;
typedef unsigned long size_t;
/* include/linux/types.h (2026): an unsigned file offset, as 7.2's kvm_gmem_bind() takes it */
typedef u64 uoff_t;
typedef unsigned int gfp_t;
#define GFP_KERNEL	((gfp_t)0)

typedef struct { unsigned long pte; } pte_t;
#define __pte(x)	((pte_t) { (x) })

#define __rcu
#define __user
#define __bitwise
#undef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#define __maybe_unused	__attribute__((__unused__))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define BIT(nr)		(1UL << (nr))
#define BUILD_BUG_ON(condition)	((void)sizeof(char[1 - 2 * !!(condition)]))
#define rcu_assign_pointer(p, v)	do { (p) = (v); } while (0)
#define BIT_ULL(nr)	(1ULL << (nr))
#define READ_ONCE(x)	(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile typeof(x) *)&(x) = (val); } while (0)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/*
 * min()/max() refuse operands of different types at compile time, as the kernel's
 * __typecheck() did: min(pgoff_t, gfn_t) is an error here (unsigned long vs u64), not a
 * silent conversion.  Each operand is evaluated once.
 */
#define __harness_cmp(op, x, y) ({						\
	_Static_assert(__builtin_types_compatible_p(typeof(x), typeof(y)),	\
		       "min()/max() of distinct types (the kernel's __typecheck): " #x ", " #y); \
	typeof(x) __x = (x);							\
	typeof(y) __y = (y);							\
	__x op __y ? __x : __y; })
#define min(x, y)	__harness_cmp(<, x, y)
#define max(x, y)	__harness_cmp(>, x, y)
#define min_t(type, x, y)	({ type __x = (x); type __y = (y); __x < __y ? __x : __y; })
#define max_t(type, x, y)	({ type __x = (x); type __y = (y); __x > __y ? __x : __y; })
#define clamp(val, lo, hi)	min(max(val, lo), hi)

/* include/linux/list.h, the part a walk over gmem instances needs */
struct list_head {
	struct list_head *next, *prev;
};
#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(ptr, type, member)	list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member)	list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_entry_is_head(pos, head, member)	(&(pos)->member == (head))
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, typeof(*pos), member);	\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_next_entry(pos, member))

/* Locks exist so that lockdep assertions compile; the MMU lock is KVM_MMU_LOCK(). */
typedef struct { int locked; } rwlock_t;
struct mutex { int locked; };
#define lockdep_assert_held(l)	((void)(l))

/* SRCU readers (the spring 2023 POC reads the memslots under kvm->srcu): nothing to wait for here. */
struct srcu_struct {
	int unused;
};
static inline int srcu_read_lock(struct srcu_struct *ssp) { (void)ssp; return 0; }
static inline void srcu_read_unlock(struct srcu_struct *ssp, int idx) { (void)ssp; (void)idx; }

/* Spinlocks and an rcuwait, as the pfncache trees (2026) take and wake them around an invalidation. */
typedef struct { int locked; } spinlock_t;
static inline void spin_lock(spinlock_t *l) { l->locked = 1; }
static inline void spin_unlock(spinlock_t *l) { l->locked = 0; }
struct rcuwait {
	void *task;
};
static inline int rcuwait_wake_up(struct rcuwait *w) { (void)w; return 0; }

struct kvm {
	rwlock_t mmu_lock;
	struct mutex slots_lock;
	struct srcu_struct srcu;
	/* the pfncache trees: invalidations in flight, for gfn_to_pfn caches that retry */
	spinlock_t invalidate_lock;
	long active_invalidate_count;
	struct rcuwait memslots_update_rcuwait;
};

struct file;

/* include/linux/kvm_host.h; gmem.index is the 2023 name of gmem.pgoff */
struct kvm_memory_slot {
	gfn_t base_gfn;
	unsigned long npages;
	unsigned long userspace_addr;
	u32 flags;
	short id;
	u16 as_id;
	struct {
		struct file __rcu *file;
		union {
			pgoff_t pgoff;
			pgoff_t index;
		};
	} gmem;
};

/* 6.18 on: a slot bound to a file created with GUEST_MEMFD_FLAG_MMAP; the model creates none */
#define KVM_MEMSLOT_GMEM_ONLY	(1UL << 17)
static inline bool kvm_memslot_is_gmem_only(const struct kvm_memory_slot *slot)
{
	return slot->flags & KVM_MEMSLOT_GMEM_ONLY;
}

#ifndef PAGE_SHIFT
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#endif
#define PAGE_ALIGNED(addr)	((((unsigned long)(addr)) & (PAGE_SIZE - 1)) == 0)

/* include/uapi/asm-generic/errno-base.h: the errnos a kvm_gmem_bind() returns (driver.c has libc's, the same) */
#ifndef EINVAL
#define EIO	5
#define EBADF	9
#define ENOMEM	12
#define EEXIST	17
#define EINVAL	22
#endif

/* include/linux/kvm_host.h: the host virtual address of a gfn of a slot */
static inline unsigned long gfn_to_hva_memslot(const struct kvm_memory_slot *slot, gfn_t gfn)
{
	return slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE;
}

/* virt/kvm/pfncache.c: invalidate the gfn_to_pfn caches over an hva range; no cache is modelled */
static inline void gpc_invalidate_hva_range_start(struct kvm *kvm, unsigned long start, unsigned long end)
{
	(void)kvm; (void)start; (void)end;
}

union kvm_mmu_notifier_arg {
	unsigned long attributes;
};

enum kvm_gfn_range_filter {
	KVM_FILTER_SHARED	= 1 << 0,
	KVM_FILTER_PRIVATE	= 1 << 1,
};

/* googleprodkernel/linux-cc 2023: the range came from guest_memfd */
#define KVM_GFN_RANGE_FLAGS_GMEM	BIT(0)

struct kvm_gfn_range {
	struct kvm_memory_slot *slot;
	gfn_t start;
	gfn_t end;
	pte_t pte;				/* 2023 */
	union kvm_mmu_notifier_arg arg;		/* 6.6 on */
	enum kvm_gfn_range_filter attr_filter;	/* 6.14 on */
	bool may_block;
	bool lockless;
	unsigned int flags;			/* linux-cc 2023 */
};

/* The file's bindings: the driver knows which xarray is this file's. */
struct xarray {
	unsigned int xa_flags;
};
typedef unsigned int __bitwise xa_mark_t;
#define XA_PRESENT	((xa_mark_t)8U)

/* A binding's store: logged for the property to judge (native/driver.c); it never fails here (NULL). */
bool xa_empty(const struct xarray *xa);
void *xa_store_range(struct xarray *xa, unsigned long first, unsigned long last, void *entry, gfp_t gfp);
static inline int xa_err(void *entry) { (void)entry; return 0; }
static inline bool xa_is_err(const void *entry) { (void)entry; return false; }

/* include/linux/fs.h, the fields the eras that take an inode read */
struct address_space {
	struct inode *host;
	struct list_head i_private_list;
	void *private_data;
};

struct inode {
	struct address_space *i_mapping;
	void *i_private;
	loff_t i_size;
};

static inline loff_t i_size_read(const struct inode *inode) { return inode->i_size; }
/* the bindings are stable under it; nothing runs beside a case here */
static inline void filemap_invalidate_lock(struct address_space *mapping) { (void)mapping; }
static inline void filemap_invalidate_unlock(struct address_space *mapping) { (void)mapping; }

/*
 * The guest_memfd file a kvm_gmem_bind() is given (fget() of the fd the harness passes): its
 * private_data is the first view's struct kvm_gmem (6.8 to 2025) or struct gmem_file (2026), as the
 * era's glue sets it. kvm_gmem_fops is the harness's: a tree's own definition is not taken.
 */
struct file_operations {
	int unused;
};
extern struct file_operations kvm_gmem_fops;
struct file {
	const struct file_operations *f_op;
	void *private_data;
	struct inode *f_inode;
	struct address_space *f_mapping;
};
struct file *fget(unsigned int fd);
static inline void fput(struct file *file) { (void)file; }
static inline struct inode *file_inode(const struct file *file) { return file->f_inode; }

/* include/uapi/linux/kvm.h */
#define GUEST_MEMFD_FLAG_MMAP		(1ULL << 0)
#define GUEST_MEMFD_FLAG_INIT_SHARED	(1ULL << 1)

/* virt/kvm/guest_memfd.c: one instance per VM, 6.8 to 2025 ... */
struct kvm_gmem {
	struct kvm *kvm;
	struct xarray bindings;
	struct list_head entry;
};

/* ... renamed, with the inode's state split out, in 2026 trees */
struct gmem_file {
	struct kvm *kvm;
	struct xarray bindings;
	struct list_head entry;
};

struct shared_policy {
	int unused;
};

struct gmem_inode {
	struct shared_policy policy;
	struct inode vfs_inode;
	struct list_head gmem_file_list;
	u64 flags;
};

#define GMEM_I(inode)	container_of(inode, struct gmem_inode, vfs_inode)
#define kvm_gmem_for_each_file(f, inode) \
	list_for_each_entry(f, &GMEM_I(inode)->gmem_file_list, entry)

/* The walk of [first, last] over a view's bindings, as lib/xarray.c visits its entries (native/driver.c). */
struct harness_walk {
	unsigned long first, last;
	unsigned long next;	/* the next chunk to look at */
	int view;
	bool started;		/* an entry has been yielded */
};
struct harness_walk harness_walk_begin(struct xarray *xa, unsigned long first,
				       unsigned long last);
void *harness_walk_next(struct harness_walk *walk, unsigned long *index);

#define xa_for_each_range(xa, index, entry, start, last)			\
	for (struct harness_walk __harness_walk = harness_walk_begin(xa, start, last); \
	     ((entry) = harness_walk_next(&__harness_walk, &(index))) != NULL; )
#define xa_for_each(xa, index, entry)	xa_for_each_range(xa, index, entry, 0, ULONG_MAX)

void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max,
	      xa_mark_t filter);

/* virt/kvm/kvm_main.c and kvm_mm.h, implemented by the driver, which logs each call */
void harness_kvm_mmu_lock(struct kvm *kvm);
void harness_kvm_mmu_unlock(struct kvm *kvm);
#define KVM_MMU_LOCK(kvm)	harness_kvm_mmu_lock(kvm)
#define KVM_MMU_UNLOCK(kvm)	harness_kvm_mmu_unlock(kvm)

void kvm_mmu_invalidate_begin(struct kvm *kvm);
void kvm_mmu_invalidate_end(struct kvm *kvm);
void kvm_mmu_invalidate_range_add(struct kvm *kvm, gfn_t start, gfn_t end);
bool kvm_mmu_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range);
bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range);
void kvm_flush_remote_tlbs(struct kvm *kvm);
/* the names proposed in 2026 for kvm_mmu_invalidate_begin() */
#define kvm_mmu_invalidate_start	kvm_mmu_invalidate_begin

/* A WARN is logged each time it fires: the splat is once, the skip that follows is not. */
int harness_warn(int cond, const char *what, const char *file, int line);
#define WARN_ON_ONCE(condition)	harness_warn(!!(condition), "WARN_ON_ONCE", __FILE__, __LINE__)
#define WARN_ON(condition)	harness_warn(!!(condition), "WARN_ON", __FILE__, __LINE__)
#define WARN_ONCE(condition, ...)	harness_warn(!!(condition), "WARN_ONCE", __FILE__, __LINE__)
#define WARN(condition, ...)	harness_warn(!!(condition), "WARN", __FILE__, __LINE__)

/* BUG() ends the case as a fault naming the line; the run goes on. */
void __attribute__((__noreturn__)) harness_bug(const char *file, int line);
#define BUG()	harness_bug(__FILE__, __LINE__)
#define BUG_ON(condition)	do { if (unlikely(condition)) BUG(); } while (0)

/* printk goes to stderr, never into the log the TypeScript side reads. */
int harness_printk(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));
/*
 * printf for a variant's own tracing: the driver has turned its stdout into stderr. Declared
 * here because libc's headers cannot be included beside the kernel's types (loff_t clashes):
 * declare any other libc function you need yourself.
 */
int printf(const char *fmt, ...) __attribute__((__format__(__printf__, 1, 2)));
#define printk(...)	harness_printk(__VA_ARGS__)
#define pr_err(...)	harness_printk(__VA_ARGS__)
#define pr_warn(...)	harness_printk(__VA_ARGS__)
#define pr_info(...)	harness_printk(__VA_ARGS__)
#define pr_debug(...)	harness_printk(__VA_ARGS__)
#define pr_warn_ratelimited(...)	harness_printk(__VA_ARGS__)

/*
 * The world one case runs in (native/driver.c): one inode, and per view (one VM each) a struct
 * kvm, the view's struct kvm_gmem (listed on i_mapping->i_private_list, 2025) and struct
 * gmem_file (on GMEM_I(inode)->gmem_file_list, 2026), with its own bindings.
 */
extern struct inode *harness_inode;
struct kvm *harness_view_kvm(int view);
struct kvm_gmem *harness_view_gmem(int view);
struct gmem_file *harness_view_file(int view);

/*
 * Written by native/era.ts after the variant: call its _begin/_end the way its era's punch and
 * memory failure do, and the way its release does on the view whose file is closed.
 */
void harness_call_begin(pgoff_t start, pgoff_t end);
void harness_call_zap(pgoff_t start, pgoff_t end);
void harness_call_end(pgoff_t start, pgoff_t end);
void harness_call_release_begin(int view);
void harness_call_release_zap(int view);
void harness_call_release_end(int view);
/* The split era calls zap between begin and end; which list the file's gmem_files are on. */
extern const int harness_era_zaps;
extern const int harness_files_on_i_private_list;

/*
 * Written by native/era.ts too: kvm_gmem_bind(kvm, slot, HARNESS_GMEM_FD, offset) of the first
 * view's VM, with the era's view as the file's private_data; 0 without a kvm_gmem_bind(), which
 * the harness then never asks (bind-within-file does not judge it).
 */
#define HARNESS_GMEM_FD	3
extern const int harness_has_bind;
extern struct file harness_gmem_file;
int harness_call_bind(struct kvm_memory_slot *slot, u64 offset);

#endif /* KVM_GMEM_SHIM_H */
