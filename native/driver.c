// SPDX-License-Identifier: GPL-2.0
/*
 * driver.c: the user-space runtime under a C variant.  It reads one case per line on stdin,
 * runs the variant's _begin and _end on it, and writes one block of log lines per case:
 * every KVM call with its arguments, the walks and xa_find()s asked for, the WARNs, and a
 * fault if the variant broke a rule of the kernel API.  Each view's bindings xarray arrives as
 * the chunks model/xarray.ts says xa_store_range() made of its bindings, in index order; the
 * driver walks them for whatever range a body asks, as model/xarray.ts walk() and xaFind() do.  The TypeScript side (native/replay.ts)
 * replays the log through model/kvm.ts; the only state kept here is which gfns are still
 * mapped, so that kvm_unmap_gfn_range() can return what KVM would.
 *
 * Request:  case SEQ START END VIEW [view VIEW]... [release V] [bind ID BASE_GFN NPAGES OFFSET I_SIZE] [stream]
 *           VIEW = NSLOTS {ID BASE_GFN NPAGES PGOFF}... NCHUNKS {FIRST LAST ID}... MIRRORED
 *           (one VIEW per VM bound to the inode, the first one first; MIRRORED 1: a VM with
 *           mirrored TDP, a TDX VM, whose guest_memfd memory only an unmap with
 *           KVM_FILTER_PRIVATE reaches, model/vm.ts; `release V`: the case is a release of view
 *           V's file, called as the era's kvm_gmem_release() does; `bind ...`: the case is a
 *           bind request, kvm_gmem_bind() of a new slot ID at guest_memfd_offset OFFSET on a file
 *           of I_SIZE bytes, logged "phase bind", its xa_find()s and xa_store_range()s ("store
 *           FIRST LAST ID") and "bound RET PGOFF", what it returned and slot->gmem.pgoff;
 *           `stream`: each log line is written as it is made, so that a case that never returns
 *           leaves every call it made before, not only those of its earlier steps)
 * Reply:    "ready" once at start; per case, log lines, then "end SEQ".  A line "view N" comes
 *           before the first call made on another view's VM or bindings than the last one
 *           logged (view 0 at the start of each case).  The log goes to a
 *           private copy of stdout; the variant's own stdout is sent to stderr so that a
 *           printf cannot corrupt it, and stderr gets the line "\1" after each case.
 */
#define _GNU_SOURCE
/* glibc's loff_t is a long, the kernel's (the shim's) a long long: keep glibc's out of the way */
#define loff_t glibc_loff_t
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#undef loff_t
#undef offsetof

#include "kvm_gmem_shim.h"

/* One multi-index entry of a view's bindings xarray: [first, last] holds slot. */
struct chunk {
	unsigned long first, last;
	struct kvm_memory_slot *slot;
};

struct gfn_interval {
	u64 start, end;
};

#define HARNESS_MAX_VIEWS	16

/* One VM's view of the inode: its kvm, its kvm_gmem/gmem_file, its slots, walk and mappings. */
struct view {
	struct kvm kvm;
	struct kvm_gmem gmem;
	struct gmem_file file;
	struct kvm_memory_slot *slots;
	size_t nslots;
	struct chunk *chunks;	/* in index order */
	size_t nchunks;
	bool mirrored;
	struct gfn_interval *mapped;	/* sorted, disjoint */
	size_t nmapped, mapped_cap;
};

static struct view views[HARNESS_MAX_VIEWS];
static struct address_space harness_mapping;
static struct gmem_inode harness_gmem_inode;
struct inode *harness_inode = &harness_gmem_inode.vfs_inode;

/* The case being run; globals so that they survive the longjmp() of a fault. */
static struct {
	unsigned long seq;
	pgoff_t start, end;
	size_t nviews;
	long release;		/* the view a release closes, or -1 */
	bool bind;		/* a bind request: bind_slot at bind_offset */
	struct kvm_memory_slot bind_slot;
	u64 bind_offset;
	size_t logged_view;	/* the view the log's calls are on */
	const char *phase;
	bool stream;		/* each log line written at once (a hang's confirmation) */
} cs;

/* The guest_memfd file kvm_gmem_bind() is given; its private_data is set by the era's glue. */
struct file_operations kvm_gmem_fops;
struct file harness_gmem_file;

static jmp_buf fault_env;

/* The log of the case so far: flushed before each variant call, by the crash handler, and after each line of a streamed case. */
static char *out;
static size_t out_len, out_cap;
static int proto_fd = 1;

static void flush_out(void)
{
	size_t done = 0;

	while (done < out_len) {
		ssize_t n = write(proto_fd, out + done, out_len - done);

		if (n <= 0)
			_exit(4);
		done += (size_t)n;
	}
	out_len = 0;
}

static void __attribute__((__format__(__printf__, 1, 2))) emit(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(out + out_len, out_cap - out_len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < out_cap - out_len)
			break;
		out_cap = out_cap * 2 + (size_t)n + 64;
		out = realloc(out, out_cap);
		if (!out)
			abort();
	}
	out_len += (size_t)n;
	if (cs.stream)
		flush_out();
}

static void __attribute__((__noreturn__, __format__(__printf__, 2, 3)))
harness_fault(const char *call, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit("fault %s %s: %s\n", cs.phase, call, msg);
	longjmp(fault_env, 1);
}

/* A crash: hand over the log so far, then die of the same signal. */
static void on_crash(int sig)
{
	flush_out();
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t i;

	sigaltstack(&ss, NULL);	/* so that a stack overflow is reported too */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

struct kvm *harness_view_kvm(int view)
{
	return &views[view].kvm;
}

struct kvm_gmem *harness_view_gmem(int view)
{
	return &views[view].gmem;
}

struct gmem_file *harness_view_file(int view)
{
	return &views[view].file;
}

/* The log's next calls are on view v: say so when that is not the view of the last ones. */
static void on_view(const struct view *v)
{
	size_t i = (size_t)(v - views);

	if (i != cs.logged_view) {
		emit("view %zu\n", i);
		cs.logged_view = i;
	}
}

static struct view *need_kvm(const char *call, struct kvm *kvm)
{
	size_t i;

	for (i = 0; i < cs.nviews; i++)
		if (kvm == &views[i].kvm)
			return &views[i];
	harness_fault(call, cs.nviews > 1 ? "kvm is not a VM bound to this file" : "kvm is not this VM");
}

static struct view *need_xa(const char *call, struct xarray *xa)
{
	size_t i;

	for (i = 0; i < cs.nviews; i++)
		if (xa == &views[i].gmem.bindings || xa == &views[i].file.bindings)
			return &views[i];
	harness_fault(call, cs.nviews > 1 ? "xa is not the bindings of a view of this file (f->bindings)"
					  : "xa is not the file's bindings (gmem->bindings)");
}

/* The slot a range names must be one of the VM it is unmapped in: the TDP MMU zaps by gfn there. */
static int slot_id(const char *call, const struct view *v, const struct kvm_gfn_range *range)
{
	size_t i, j;

	for (i = 0; i < v->nslots; i++)
		if (range->slot == &v->slots[i])
			return v->slots[i].id;
	for (j = 0; j < cs.nviews; j++)
		for (i = 0; i < views[j].nslots; i++)
			if (range->slot == &views[j].slots[i])
				harness_fault(call, "range->slot is a memslot of view %zu, not of the VM (view %zu) it is unmapped in",
					      j, (size_t)(v - views));
	if (v != views)
		harness_fault(call, "range->slot is not a memslot of this VM (view %zu) bound to the file", (size_t)(v - views));
	harness_fault(call, "range->slot is not a memslot of this VM bound to the file");
}

/*
 * The index a walk (or xa_find()) yields for the first entry it meets: start itself when start
 * lies inside the entry, else the entry's first index; every later visit yields its entry's
 * first index (model/xarray.ts firstIndex(), KERNEL-FACTS section 4).
 */
struct harness_walk harness_walk_begin(struct xarray *xa, unsigned long first,
				       unsigned long last)
{
	struct view *v = need_xa("xa_for_each_range", xa);

	on_view(v);
	emit("walk %lu %lu\n", first, last);
	return (struct harness_walk) { .first = first, .last = last, .next = 0, .view = (int)(v - views) };
}

void *harness_walk_next(struct harness_walk *walk, unsigned long *index)
{
	const struct view *v = &views[walk->view];

	if (walk->first > walk->last)
		return NULL;
	while (walk->next < v->nchunks) {
		const struct chunk *c = &v->chunks[walk->next++];

		if (c->last < walk->first)
			continue;
		if (c->first > walk->last)
			break;
		*index = !walk->started && walk->first > c->first ? walk->first : c->first;
		walk->started = true;
		return c->slot;
	}
	walk->next = v->nchunks;
	return NULL;
}

void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max,
	      xa_mark_t filter)
{
	struct view *v = need_xa("xa_find", xa);
	const struct chunk *hit = NULL;
	size_t i;

	if (filter != XA_PRESENT)
		harness_fault("xa_find", "only XA_PRESENT is modelled");
	if (*indexp <= max) {
		for (i = 0; i < v->nchunks && !hit; i++) {
			if (v->chunks[i].last < *indexp)
				continue;
			if (v->chunks[i].first <= max)
				hit = &v->chunks[i];
			break;
		}
	}
	on_view(v);
	emit("find %lu %lu %d\n", *indexp, max, hit != NULL);
	if (!hit)
		return NULL;	/* the index is left as it was */
	if (*indexp < hit->first)
		*indexp = hit->first;
	return hit->slot;
}

struct file *fget(unsigned int fd)
{
	return fd == HARNESS_GMEM_FD ? &harness_gmem_file : NULL;
}

bool xa_empty(const struct xarray *xa)
{
	return need_xa("xa_empty", (struct xarray *)xa)->nchunks == 0;
}

/* The store a bind makes, logged; the case's walks never see it (it is judged, not used). */
void *xa_store_range(struct xarray *xa, unsigned long first, unsigned long last, void *entry, gfp_t gfp)
{
	struct view *v = need_xa("xa_store_range", xa);

	(void)gfp;
	if (!cs.bind || entry != &cs.bind_slot)
		harness_fault("xa_store_range", "entry is not the memslot being bound");
	on_view(v);
	emit("store %lu %lu %d\n", first, last, cs.bind_slot.id);
	return NULL;
}

void harness_kvm_mmu_lock(struct kvm *kvm)
{
	on_view(need_kvm("KVM_MMU_LOCK", kvm));
	emit("lock\n");
}

void harness_kvm_mmu_unlock(struct kvm *kvm)
{
	on_view(need_kvm("KVM_MMU_UNLOCK", kvm));
	emit("unlock\n");
}

void kvm_mmu_invalidate_begin(struct kvm *kvm)
{
	on_view(need_kvm("kvm_mmu_invalidate_begin", kvm));
	emit("inv_begin\n");
}

void kvm_mmu_invalidate_end(struct kvm *kvm)
{
	on_view(need_kvm("kvm_mmu_invalidate_end", kvm));
	emit("inv_end\n");
}

void kvm_mmu_invalidate_range_add(struct kvm *kvm, gfn_t start, gfn_t end)
{
	on_view(need_kvm("kvm_mmu_invalidate_range_add", kvm));
	emit("range_add %llu %llu\n", start, end);
}

void kvm_flush_remote_tlbs(struct kvm *kvm)
{
	on_view(need_kvm("kvm_flush_remote_tlbs", kvm));
	emit("flush\n");
}

/* Room for at least n intervals in v->mapped, its contents kept: it only ever grows. */
static void mapped_reserve(struct view *v, size_t n)
{
	struct gfn_interval *p;

	if (n <= v->mapped_cap)
		return;
	if (n < 2 * v->mapped_cap)
		n = 2 * v->mapped_cap;
	p = realloc(v->mapped, n * sizeof(*p));
	if (!p)
		abort();
	v->mapped = p;
	v->mapped_cap = n;
}

/* The TDP MMU zaps by gfn whatever the slot: true if anything in [start, end) was mapped in v. */
static bool zap(struct view *v, u64 start, u64 end)
{
	struct gfn_interval *keep = v->mapped;
	size_t i, n = 0, total = v->nmapped;
	struct gfn_interval tail = { 0, 0 };
	bool hit = false, split = false;

	if (start >= end)
		return false;
	for (i = 0; i < total; i++) {
		struct gfn_interval m = v->mapped[i];

		if (m.end <= start || m.start >= end) {
			keep[n++] = m;
			continue;
		}
		hit = true;
		if (m.start < start)
			keep[n++] = (struct gfn_interval) { m.start, start };
		if (m.end > end) {
			/* at most one interval straddles end: it goes after what is kept so far */
			tail = (struct gfn_interval) { end, m.end };
			split = true;
			i++;
			break;
		}
	}
	if (split) {
		size_t rest = total - i;

		/*
		 * The rest still lies at [i, total) and moves to [n + 1, n + 1 + rest): make room
		 * first, without ever shrinking (that would free the rest before it is read).
		 */
		mapped_reserve(v, n + 1 + rest);
		memmove(v->mapped + n + 1, v->mapped + i, rest * sizeof(*v->mapped));
		v->mapped[n] = tail;
		n += 1 + rest;
	}
	v->nmapped = n;
	return hit;
}

static bool unmap(const char *call, const char *op, struct kvm *kvm,
		  struct kvm_gfn_range *range)
{
	struct view *v = need_kvm(call, kvm);
	int id = slot_id(call, v, range);
	bool hit;

	/*
	 * kvm_gfn_range_filter_to_root_types(): a VM with mirrored TDP maps its guest_memfd memory
	 * in mirror roots, which only KVM_FILTER_PRIVATE selects; any other VM ignores the filter.
	 */
	hit = (!v->mirrored || (range->attr_filter & KVM_FILTER_PRIVATE)) && zap(v, range->start, range->end);
	on_view(v);
	emit("%s %d %llu %llu %d %u\n", op, id, range->start, range->end, hit,
	     (unsigned int)range->attr_filter);
	return hit;
}

/* 6.8's helper: adds the range to the invalidation, then unmaps (one log line for both). */
bool kvm_mmu_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return unmap("kvm_mmu_unmap_gfn_range", "mmu_unmap", kvm, range);
}

/* The arch unmap alone, as the 2023 code called it after its own range_add. */
bool kvm_unmap_gfn_range(struct kvm *kvm, struct kvm_gfn_range *range)
{
	return unmap("kvm_unmap_gfn_range", "unmap", kvm, range);
}

int harness_warn(int cond, const char *what, const char *file, int line)
{
	if (cond)
		emit("warn %s %s:%d\n", what, file, line);
	return cond;
}

void harness_bug(const char *file, int line)
{
	harness_fault("BUG", "BUG() at %s:%d", file, line);
}

int harness_printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

/* One list_head per era's list, linking the views in view order. */
static void list_link(struct list_head *head, size_t offset)
{
	struct list_head *prev = head;
	size_t i;

	for (i = 0; i < cs.nviews; i++) {
		struct list_head *e = (struct list_head *)((char *)&views[i] + offset);

		prev->next = e;
		e->prev = prev;
		prev = e;
	}
	prev->next = head;
	head->prev = prev;
}

/* The inode and its views for this case: each era's list holds every view; no INIT_SHARED. */
static void world_init(void)
{
	size_t i;

	harness_gmem_inode.vfs_inode.i_mapping = &harness_mapping;
	harness_mapping.host = &harness_gmem_inode.vfs_inode;
	for (i = 0; i < cs.nviews; i++) {
		/* a VM's state is the case's own: nothing of an earlier case (or a fault) carries over */
		memset(&views[i].kvm, 0, sizeof(views[i].kvm));
		views[i].gmem.kvm = &views[i].kvm;
		views[i].file.kvm = &views[i].kvm;
	}
	/* 2025 walks kvm_gmems on i_private_list; 2026 gmem_files on the gmem_inode; the series on i_private_list */
	if (harness_files_on_i_private_list) {
		list_link(&harness_mapping.i_private_list, offsetof(struct view, file.entry));
		harness_gmem_inode.gmem_file_list.next = harness_gmem_inode.gmem_file_list.prev = &harness_gmem_inode.gmem_file_list;
	} else {
		list_link(&harness_mapping.i_private_list, offsetof(struct view, gmem.entry));
		list_link(&harness_gmem_inode.gmem_file_list, offsetof(struct view, file.entry));
	}
	harness_mapping.private_data = &views[0].gmem;
	harness_gmem_file.f_op = &kvm_gmem_fops;
	harness_gmem_file.f_inode = &harness_gmem_inode.vfs_inode;
	harness_gmem_file.f_mapping = &harness_mapping;
}

static void __attribute__((__noreturn__)) bad_request(const char *why)
{
	fprintf(stderr, "driver: malformed request: %s\n", why);
	exit(3);
}

static unsigned long long take(char **p)
{
	char *end;
	unsigned long long v;

	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		bad_request("expected a number");
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno == ERANGE)
		bad_request("a number does not fit in 64 bits");
	if (*end != ' ' && *end != '\n' && *end != '\0')
		bad_request("a number runs into other characters");
	*p = end;
	return v;
}

/* A count of items of `width` numbers each: the rest of the line must be able to hold them. */
static size_t take_count(char **p, size_t width)
{
	unsigned long long n = take(p);

	/* each number takes a digit and a space at least */
	if (n > strlen(*p) / (2 * width))
		bad_request("a count is larger than the rest of the line");
	return (size_t)n;
}

static struct kvm_memory_slot *slot_by_id(const struct view *v, unsigned long long id)
{
	size_t i;

	for (i = 0; i < v->nslots; i++)
		if ((unsigned long long)v->slots[i].id == id)
			return &v->slots[i];
	bad_request("a chunk names an unknown slot");
}

static int by_start(const void *a, const void *b)
{
	const struct gfn_interval *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static bool take_flag(char **p, const char *what)
{
	switch (take(p)) {
	case 0:
		return false;
	case 1:
		return true;
	default:
		bad_request(what);
	}
}

/* NSLOTS {ID BASE_GFN NPAGES PGOFF}... NCHUNKS {FIRST LAST ID}... MIRRORED */
static void parse_view(char **p, struct view *v)
{
	size_t i, n;

	v->nslots = take_count(p, 4);
	v->slots = realloc(v->slots, (v->nslots + 1) * sizeof(*v->slots));
	if (!v->slots)
		abort();
	mapped_reserve(v, v->nslots + 1);
	for (i = 0; i < v->nslots; i++) {
		struct kvm_memory_slot *s = &v->slots[i];

		memset(s, 0, sizeof(*s));
		s->id = (short)take(p);
		s->base_gfn = take(p);
		s->npages = take(p);
		s->gmem.pgoff = take(p);
		v->mapped[i] = (struct gfn_interval) { s->base_gfn, s->base_gfn + s->npages };
	}
	/* every slot's frames start out mapped; memslots of one VM never overlap in gfn space */
	qsort(v->mapped, v->nslots, sizeof(*v->mapped), by_start);
	v->nmapped = v->nslots;
	n = take_count(p, 3);
	v->chunks = realloc(v->chunks, (n + 1) * sizeof(*v->chunks));
	if (!v->chunks)
		abort();
	v->nchunks = n;
	for (i = 0; i < n; i++) {
		v->chunks[i].first = take(p);
		v->chunks[i].last = take(p);
		v->chunks[i].slot = slot_by_id(v, take(p));
		if (v->chunks[i].first > v->chunks[i].last || (i && v->chunks[i].first <= v->chunks[i - 1].last))
			bad_request("the chunks are not disjoint and in index order");
	}
	v->mirrored = take_flag(p, "MIRRORED is neither 0 nor 1");
}

/* The word `w` next on the line, as a field of its own: consumed if there. */
static bool take_word(char **p, const char *w)
{
	size_t n = strlen(w);

	*p += strspn(*p, " ");
	if (strncmp(*p, w, n) || ((*p)[n] != ' ' && (*p)[n] != '\n' && (*p)[n] != '\0'))
		return false;
	*p += n;
	return true;
}

static void parse_case(char *line)
{
	char *p = line;

	if (strncmp(p, "case ", 5))
		bad_request("expected \"case\"");
	p += 5;
	cs.seq = take(&p);
	cs.start = take(&p);
	cs.end = take(&p);
	cs.nviews = 0;
	do {
		if (cs.nviews == HARNESS_MAX_VIEWS)
			bad_request("more views than the driver holds");
		parse_view(&p, &views[cs.nviews++]);
	} while (take_word(&p, "view"));
	cs.release = -1;
	if (take_word(&p, "release")) {
		unsigned long long v = take(&p);

		if (v >= cs.nviews)
			bad_request("the released view is not one of the case's views");
		cs.release = (long)v;
	}
	cs.bind = take_word(&p, "bind");
	if (cs.bind) {
		memset(&cs.bind_slot, 0, sizeof(cs.bind_slot));
		cs.bind_slot.id = (short)take(&p);
		cs.bind_slot.base_gfn = take(&p);
		cs.bind_slot.npages = take(&p);
		cs.bind_offset = take(&p);
		harness_gmem_inode.vfs_inode.i_size = (loff_t)take(&p);
	}
	cs.stream = take_word(&p, "stream");
	p += strspn(p, " \n");
	if (*p)
		bad_request("characters after the last field");
	world_init();
}

/* A bind request: the variant's kvm_gmem_bind() on the new slot; its answer closes the log. */
static void run_bind(void)
{
	cs.phase = "bind";
	cs.logged_view = 0;
	emit("phase bind\n");
	if (!setjmp(fault_env)) {
		int r;

		flush_out();
		if (!harness_has_bind)
			harness_fault("kvm_gmem_bind", "the C file has no kvm_gmem_bind() to give a bind request");
		r = harness_call_bind(&cs.bind_slot, cs.bind_offset);
		emit("bound %d %lu\n", r, cs.bind_slot.gmem.pgoff);
	}
}

static void run_case(void)
{
	if (cs.bind) {
		run_bind();
		goto done;
	}
	cs.phase = "begin";
	cs.logged_view = 0;
	emit("phase begin\n");
	if (!setjmp(fault_env)) {
		flush_out();
		if (cs.release >= 0)
			harness_call_release_begin((int)cs.release);
		else
			harness_call_begin(cs.start, cs.end);
		if (harness_era_zaps) {
			cs.phase = "zap";
			emit("phase zap\n");
			flush_out();
			if (cs.release >= 0)
				harness_call_release_zap((int)cs.release);
			else
				harness_call_zap(cs.start, cs.end);
		}
		cs.phase = "end";
		emit("phase end\n");
		flush_out();
		if (cs.release >= 0)
			harness_call_release_end((int)cs.release);
		else
			harness_call_end(cs.start, cs.end);
	}
done:
	emit("end %lu\n", cs.seq);
	flush_out();
	/* a mark on stderr too, so that the reader knows the case's printk has all arrived */
	fflush(stdout);
	fflush(stderr);
	if (write(2, "\1\n", 2) != 2)
		return;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;

	/* the log gets a private descriptor; the variant's stdout goes to stderr */
	proto_fd = dup(1);
	if (proto_fd < 0 || dup2(2, 1) < 0)
		return 5;
	setvbuf(stdout, NULL, _IOLBF, 0);
	install_crash_handlers();
	/* the reader starts each case's clock from here, not from exec() */
	emit("ready\n");
	flush_out();
	while (getline(&line, &cap, stdin) > 0) {
		parse_case(line);
		run_case();
	}
	free(line);
	return 0;
}
