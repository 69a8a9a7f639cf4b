/*
 * live/guest.h: the guest, the VM and the set-up of the live check, shared by
 * live/runner.c (which #includes it) and the report repros live/repro.ts generates (each
 * repro carries this text whole, so that it is one self-contained file to hand around).
 * Plain C with the system headers and <linux/kvm.h>; the guest_memfd uapi (Linux 6.8 and
 * later) is declared here for older headers.
 *
 * The guest. A vCPU in 64-bit mode at CPL 3 with 4-level paging: every gpa below 2^36 is
 * identity-mapped with 2 MiB pages (64 page directories), so it reads any gfn below 2^24. Under
 * kvm_pvm (shadow paging, no VMX/SVM) this is the only mode that runs natively: real mode and
 * 32-bit protected mode are emulated instruction by instruction, and the emulator reads guest
 * memory through the memslot's userspace_addr, never through guest_memfd nor the shadow page
 * tables, so it cannot see an invalidation at all (measured: see live/README.md). 2^36 is the
 * MAXPHYADDR of a vCPU without CPUID (36 bits). The top 128 gfns below 2^24 are the harness's
 * own: an ordinary memslot (code, page tables, gfn table, results) and one gfn without any slot
 * whose write ends a pass. Cases use gfns below RES_GFN = 2^24 - 128.
 *
 * A pass (guest_pass): the guest reads the gfns listed in the gfn table (PG_TABLE, u32 each),
 * in order, and stores each value read in the results page (PG_RESULTS); a read that exits to
 * userspace (KVM_EXIT_MEMORY_FAULT with EFAULT, or KVM_EXIT_MMIO) is marked and stepped over.
 *
 * The gmem slots' userspace_addr should point into none_mem, a PROT_NONE reservation, not at
 * the host mmap of the file: the kernel only checks that the address is a user address, faults
 * of a guest_memfd-only slot go to guest_memfd, and nothing else can map or unmap those gfns.
 * With userspace_addr on the host mmap, the shadow MMU's prefetch maps neighbouring gfns through
 * that mapping, and a punch's unmap of the host mapping zaps the same gfns through the MMU
 * notifier: a gfn that kvm_gmem_invalidate_begin() missed would be zapped anyway.
 */
#ifndef LIVE_GUEST_H
#define LIVE_GUEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The uapi of guest_memfd (Linux 6.8 and later), for older system headers. */
struct live_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};
struct live_create_gmem {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};
struct live_memory_fault {
	uint64_t flags;
	uint64_t gpa;
	uint64_t size;
};
#define LIVE_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct live_region2)
#define LIVE_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct live_create_gmem)
#define LIVE_GET_STATS_FD _IO(KVMIO, 0xce)
#define LIVE_MEM_GUEST_MEMFD (1u << 2)
#define LIVE_CAP_GUEST_MEMFD 234
#define LIVE_CAP_GUEST_MEMFD_FLAGS 244
#define LIVE_GMEM_FLAG_MMAP 1ull
#define LIVE_GMEM_FLAG_INIT_SHARED 2ull
#define LIVE_EXIT_MEMORY_FAULT 39

#define PAGE 4096ull
/* The harness's gfns: [RES_GFN, 2^24); cases stay below. */
#define GFN_TOP (1ull << 24)
#define RES_PAGES 128ull
#define RES_GFN (GFN_TOP - RES_PAGES)
#define RES_SLOT 32763u /* the harness slot's id by default: the last user slot id on x86 (KVM_USER_MEM_SLOTS - 1) */
#define PG_CODE 0
#define PG_PML4 1
#define PG_PDPT 2
#define PG_PD 3 /* 64 pages */
#define NR_PD 64
#define PG_TABLE (PG_PD + NR_PD) /* 16 pages of u32 gfns */
#define PG_RESULTS (PG_TABLE + 16) /* 32 pages of u64 values */
#define SLOT_PAGES (PG_RESULTS + 32)
#define DONE_GFN (GFN_TOP - 1) /* no memslot: a write there ends a pass */
#define MAX_GFNS 16384u
#define READ_INSN 6 /* offset of `mov rdx, [rax]` in the guest code, 3 bytes */
#define VALUE_TAG 0x676d656d00000000ull /* "gmem": page i holds VALUE_TAG | (i + 1) */
#define SENTINEL 0x5e5e5e5e5e5e5e5eull
#define POISON 0xa5a5a5a5a5a5a5a5ull
#define PASS_DEADLINE_MS 10000

static const uint8_t guest_code[] = {
	0x8b, 0x06,             /* 0:  mov eax, [rsi]      the next gfn */
	0x48, 0xc1, 0xe0, 0x0c, /* 2:  shl rax, 12         its identity-mapped address */
	0x48, 0x8b, 0x10,       /* 6:  mov rdx, [rax]      the read (READ_INSN) */
	0x48, 0x89, 0x17,       /* 9:  mov [rdi], rdx */
	0x48, 0x83, 0xc6, 0x04, /* 12: add rsi, 4 */
	0x48, 0x83, 0xc7, 0x08, /* 16: add rdi, 8 */
	0xff, 0xc9,             /* 20: dec ecx */
	0x75, 0xe8,             /* 22: jnz 0 */
	0x41, 0x89, 0x00,       /* 24: mov [r8], eax       done: an MMIO write */
	0xeb, 0xfe,             /* 27: jmp 27 */
};

static const char *device = "/dev/kvm";
static int kvm_fd = -1;
static int run_size;
static uint8_t *res_mem;  /* the harness slot's host memory, shared by every VM in turn */
static uint8_t *none_mem; /* the PROT_NONE reservation behind the gmem slots' userspace_addr */
#define NONE_BYTES (1ull << 36)

/*
 * The userspace_addr of a gmem slot binding `size` bytes at file offset `off`: its offset into
 * the reservation when the slot fits there, else the reservation's start. An address past it
 * could lie above the user address limit (0x7ffffffff000 with 4-level paging), which
 * KVM_SET_USER_MEMORY_REGION2 refuses with -EINVAL before it looks at guest_memfd
 * (KERNEL-FACTS section 7); guest_memfd never reads userspace_addr, so any address inside does.
 */
static uint64_t none_hva(uint64_t off, uint64_t size)
{
	return (uint64_t)(uintptr_t)none_mem + (off < NONE_BYTES && size <= NONE_BYTES - off ? off : 0);
}

/* Set-up found no KVM_CAP_GUEST_MEMFD; then the errno of KVM_CREATE_GUEST_MEMFD (0: it worked). */
static int gmem_missing, gmem_create_errno;

/* The errno of KVM_CREATE_GUEST_MEMFD (1 page, no flags) in a VM of its own, 0 if it works. */
static int probe_gmem_create(void)
{
	int vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0)
		return errno;
	struct live_create_gmem cg = { .size = PAGE, .flags = 0 };
	int gfd = ioctl(vm, LIVE_CREATE_GUEST_MEMFD, &cg);
	int err = gfd < 0 ? errno : 0;
	if (gfd >= 0)
		close(gfd);
	close(vm);
	return err;
}

static const char *errno_name(int e)
{
	switch (e) {
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOMEM: return "ENOMEM";
	default: return strerror(e);
	}
}

/* ---- stats (KVM_GET_STATS_FD) ---- */

struct stat_layout {
	int parsed;
	uint64_t data_offset;
	size_t data_size;
	long where[16]; /* offset in the data block of each named counter, -1 if absent */
};

static int parse_stats(int fd, struct stat_layout *l, const char *const *names, size_t n)
{
	struct kvm_stats_header h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -1;
	size_t dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	char *d = malloc(dsz * h.num_desc);
	if (!d || pread(fd, d, dsz * h.num_desc, h.desc_offset) != (ssize_t)(dsz * h.num_desc)) {
		free(d);
		return -1;
	}
	size_t end = 0;
	for (size_t k = 0; k < n; k++)
		l->where[k] = -1;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *sd = (void *)(d + i * dsz);
		size_t e = sd->offset + 8ull * sd->size;
		if (e > end)
			end = e;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(sd->name, names[k]) && sd->size >= 1)
				l->where[k] = sd->offset;
	}
	free(d);
	l->data_offset = h.data_offset;
	l->data_size = end;
	l->parsed = 1;
	return 0;
}

static void read_stats(int fd, struct stat_layout *l, const char *const *names, size_t n, uint64_t *vals)
{
	for (size_t k = 0; k < n; k++)
		vals[k] = UINT64_MAX;
	if (fd < 0 || (!l->parsed && parse_stats(fd, l, names, n)))
		return;
	uint8_t *buf = malloc(l->data_size ? l->data_size : 1);
	if (buf && pread(fd, buf, l->data_size, l->data_offset) == (ssize_t)l->data_size) {
		for (size_t k = 0; k < n; k++)
			if (l->where[k] >= 0)
				memcpy(&vals[k], buf + l->where[k], 8);
	}
	free(buf);
}

/* ---- the guest ---- */

static volatile sig_atomic_t ticks;
static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void build_harness_memory(void)
{
	uint64_t base = RES_GFN * PAGE;
	memset(res_mem, 0, SLOT_PAGES * PAGE);
	memcpy(res_mem + PG_CODE * PAGE, guest_code, sizeof(guest_code));
	uint64_t *pml4 = (uint64_t *)(res_mem + PG_PML4 * PAGE);
	uint64_t *pdpt = (uint64_t *)(res_mem + PG_PDPT * PAGE);
	pml4[0] = (base + PG_PDPT * PAGE) | 7; /* present, writable, user */
	for (uint64_t i = 0; i < NR_PD; i++) {
		uint64_t *pd = (uint64_t *)(res_mem + (PG_PD + i) * PAGE);
		pdpt[i] = (base + (PG_PD + i) * PAGE) | 7;
		for (uint64_t j = 0; j < 512; j++)
			pd[j] = ((i * 512 + j) << 21) | 0x87; /* present, writable, user, 2 MiB */
	}
}

struct vm {
	int fd, vcpu, vm_stats, vcpu_stats;
	struct kvm_run *run;
};

enum mark { M_NONE = 0, M_FAULT, M_MMIO };

/*
 * One pass of the guest over `count` gfns (already in the table): values land in the results
 * page, exits per gfn in `marks`. Returns NULL, or what went wrong.
 */
static const char *guest_pass(struct vm *v, uint32_t count, uint8_t *marks, char *why, size_t whylen)
{
	uint64_t base = RES_GFN * PAGE;
	uint64_t results = base + PG_RESULTS * PAGE;
	uint64_t *res = (uint64_t *)(res_mem + PG_RESULTS * PAGE);
	for (uint32_t i = 0; i < count; i++)
		res[i] = POISON;
	memset(marks, 0, count);

	struct kvm_sregs sr;
	if (ioctl(v->vcpu, KVM_GET_SREGS, &sr))
		return snprintf(why, whylen, "KVM_GET_SREGS: %s", strerror(errno)), why;
	struct kvm_segment cs = { .base = 0, .limit = 0xffffffff, .selector = 0x33, .type = 11, .present = 1,
				  .dpl = 3, .db = 0, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment ds = { .base = 0, .limit = 0xffffffff, .selector = 0x2b, .type = 3, .present = 1,
				  .dpl = 3, .db = 1, .s = 1, .l = 0, .g = 1 };
	struct kvm_segment tr = { .base = 0, .limit = 0x67, .selector = 0, .type = 11, .present = 1, .s = 0 };
	sr.cs = cs;
	sr.ss = sr.ds = sr.es = sr.fs = sr.gs = ds;
	sr.tr = tr;
	sr.cr0 = 0x80050033; /* PG, AM, WP, NE, ET, MP, PE */
	sr.cr4 = 0x20;       /* PAE */
	sr.efer = 0x501;     /* LMA, LME, SCE */
	sr.cr3 = base + PG_PML4 * PAGE;
	if (ioctl(v->vcpu, KVM_SET_SREGS, &sr))
		return snprintf(why, whylen, "KVM_SET_SREGS: %s", strerror(errno)), why;
	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rip = base + PG_CODE * PAGE;
	r.rsi = base + PG_TABLE * PAGE;
	r.rdi = results;
	r.rcx = count;
	r.r8 = DONE_GFN * PAGE;
	if (ioctl(v->vcpu, KVM_SET_REGS, &r))
		return snprintf(why, whylen, "KVM_SET_REGS: %s", strerror(errno)), why;

	uint64_t deadline = now_ms() + PASS_DEADLINE_MS;
	uint64_t exits = 0, max_exits = 1000 + 4ull * count;
	struct itimerval it = { .it_interval = { 0, 100000 }, .it_value = { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	const char *err = NULL;
	for (;;) {
		if (++exits > max_exits) {
			err = "the guest exited more often than it has gfns to read";
			break;
		}
		int rc = ioctl(v->vcpu, KVM_RUN, 0);
		int e = errno;
		if (rc < 0 && e == EINTR) {
			if (now_ms() > deadline) {
				snprintf(why, whylen, "timeout: the guest did not finish a pass in %d ms", PASS_DEADLINE_MS);
				err = why;
				break;
			}
			exits--;
			continue;
		}
		if (rc < 0 && e == EFAULT && v->run->exit_reason == LIVE_EXIT_MEMORY_FAULT) {
			/* a gfn guest_memfd cannot back (its file is gone): record it and skip the read */
			struct kvm_regs q;
			if (ioctl(v->vcpu, KVM_GET_REGS, &q))
				return snprintf(why, whylen, "KVM_GET_REGS: %s", strerror(errno)), why;
			if (q.rip != base + PG_CODE * PAGE + READ_INSN || q.rdi < results ||
			    (q.rdi - results) / 8 >= count) {
				struct live_memory_fault *mf = (void *)&v->run->mmio;
				snprintf(why, whylen, "KVM_EXIT_MEMORY_FAULT at gpa 0x%" PRIx64 " outside the read (rip 0x%llx)",
					 (uint64_t)mf->gpa, (unsigned long long)q.rip);
				err = why;
				break;
			}
			marks[(q.rdi - results) / 8] = M_FAULT;
			q.rdx = SENTINEL;
			q.rip += 3;
			if (ioctl(v->vcpu, KVM_SET_REGS, &q))
				return snprintf(why, whylen, "KVM_SET_REGS: %s", strerror(errno)), why;
			continue;
		}
		if (rc < 0) {
			snprintf(why, whylen, "KVM_RUN: %s (exit reason %u)", strerror(e), v->run->exit_reason);
			err = why;
			break;
		}
		if (v->run->exit_reason == KVM_EXIT_MMIO) {
			if (v->run->mmio.is_write && v->run->mmio.phys_addr == DONE_GFN * PAGE)
				break; /* done */
			if (!v->run->mmio.is_write) {
				struct kvm_regs q;
				if (ioctl(v->vcpu, KVM_GET_REGS, &q))
					return snprintf(why, whylen, "KVM_GET_REGS: %s", strerror(errno)), why;
				if (q.rdi >= results && (q.rdi - results) / 8 < count) {
					marks[(q.rdi - results) / 8] = M_MMIO;
					memset(v->run->mmio.data, 0x5e, sizeof(v->run->mmio.data));
					continue;
				}
			}
			snprintf(why, whylen, "unexpected MMIO %s at gpa 0x%llx", v->run->mmio.is_write ? "write" : "read",
				 (unsigned long long)v->run->mmio.phys_addr);
			err = why;
			break;
		}
		if (v->run->exit_reason == KVM_EXIT_INTR)
			continue;
		snprintf(why, whylen, "unexpected exit reason %u", v->run->exit_reason);
		if (v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			snprintf(why + strlen(why), whylen - strlen(why), " (internal error %u)", v->run->internal.suberror);
		err = why;
		break;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	return err;
}

/* ---- the VM ---- */

static uint64_t value_of(uint64_t index) { return VALUE_TAG | (index + 1); }

/* Whether v is value_of(i) for a page i of a file of file_pages pages; i in *page. */
static int file_page_of(uint64_t v, uint64_t file_pages, uint64_t *page)
{
	uint64_t low = v & 0xffffffffull;
	if ((v & 0xffffffff00000000ull) != VALUE_TAG || low < 1 || low - 1 >= file_pages)
		return 0;
	*page = low - 1;
	return 1;
}

/* A VM with the harness slot (id res_slot) and one vCPU; returns 0, an errno of KVM_CREATE_VM, or -1 with `why`. */
static int create_vm(struct vm *v, uint32_t res_slot, char *why, size_t whylen)
{
	memset(v, 0, sizeof(*v));
	v->fd = v->vcpu = v->vm_stats = v->vcpu_stats = -1;
	v->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		return errno;
	struct kvm_userspace_memory_region r = {
		.slot = res_slot, .flags = 0, .guest_phys_addr = RES_GFN * PAGE,
		.memory_size = SLOT_PAGES * PAGE, .userspace_addr = (uint64_t)(uintptr_t)res_mem,
	};
	if (ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		snprintf(why, whylen, "the harness slot: KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		return -1;
	}
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0) {
		snprintf(why, whylen, "KVM_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		snprintf(why, whylen, "mmap of kvm_run: %s", strerror(errno));
		return -1;
	}
	v->vm_stats = ioctl(v->fd, LIVE_GET_STATS_FD, 0);
	v->vcpu_stats = ioctl(v->vcpu, LIVE_GET_STATS_FD, 0);
	return 0;
}

static void destroy_vm(struct vm *v)
{
	if (v->run)
		munmap(v->run, run_size);
	for (int *fd = &v->fd; fd <= &v->vcpu_stats; fd++)
		if (*fd >= 0)
			close(*fd);
}

/* ---- set-up ---- */

/* The PROT_NONE reservation behind the gmem slots' userspace_addr; NULL, or `why` it failed. */
static const char *reserve_none(char *why, size_t whylen)
{
	none_mem = mmap(NULL, NONE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (none_mem == MAP_FAILED)
		return snprintf(why, whylen, "mmap of a PROT_NONE reservation: %s", strerror(errno)), why;
	return NULL;
}

static const char *setup(char *why, size_t whylen)
{
	kvm_fd = open(device, O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		return snprintf(why, whylen, "cannot open %s: %s", device, strerror(errno)), why;
	int api = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		return snprintf(why, whylen, "%s: KVM API version %d, expected %d", device, api, KVM_API_VERSION), why;
	int cap = ioctl(kvm_fd, KVM_CHECK_EXTENSION, LIVE_CAP_GUEST_MEMFD);
	if (cap <= 0) {
		/* the capability and the ioctl itself: the cause (the kernel's build) is live/kernel-build.ts's to tell */
		gmem_missing = 1;
		gmem_create_errno = probe_gmem_create();
		return snprintf(why, whylen, "%s has no guest_memfd: KVM_CAP_GUEST_MEMFD is %d and KVM_CREATE_GUEST_MEMFD %s%s",
				device, cap, gmem_create_errno ? "fails with " : "works", gmem_create_errno ? errno_name(gmem_create_errno) : ""), why;
	}
	int flags = ioctl(kvm_fd, KVM_CHECK_EXTENSION, LIVE_CAP_GUEST_MEMFD_FLAGS);
	if (flags < 0 || (flags & 3) != 3)
		return snprintf(why, whylen, "%s: guest_memfd flags MMAP|INIT_SHARED not supported "
				"(KVM_CAP_GUEST_MEMFD_FLAGS is %d)", device, flags), why;
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		return snprintf(why, whylen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno)), why;
	res_mem = mmap(NULL, SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res_mem == MAP_FAILED)
		return snprintf(why, whylen, "mmap: %s", strerror(errno)), why;
	if (reserve_none(why, whylen))
		return why;
	build_harness_memory();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: a tick interrupts KVM_RUN */
	sigaction(SIGALRM, &sa, NULL);
	return NULL;
}

/* ---- the warm-up ---- */

/*
 * A 1-page guest_memfd bound at gfn 0 and read twice, in a VM of its own, before any case: the
 * first guest pass of a process maps and faults more than any later one (measured: 8 more 4K
 * mappings in the first pass, one more fault and 8 more mappings in the second, with no
 * operation in between), which would read as an extra unmap in the first case's counters.
 */
static const char *warm_up(char *why, size_t whylen)
{
	struct vm v;
	if (create_vm(&v, RES_SLOT, why, whylen)) {
		if (!why[0])
			snprintf(why, whylen, "KVM_CREATE_VM: %s", strerror(errno));
		destroy_vm(&v);
		return why;
	}
	const char *err = NULL;
	struct live_create_gmem cg = { .size = PAGE, .flags = LIVE_GMEM_FLAG_MMAP | LIVE_GMEM_FLAG_INIT_SHARED };
	int gfd = ioctl(v.fd, LIVE_CREATE_GUEST_MEMFD, &cg);
	if (gfd < 0) {
		snprintf(why, whylen, "KVM_CREATE_GUEST_MEMFD (MMAP | INIT_SHARED): %s", strerror(errno));
		destroy_vm(&v);
		return why;
	}
	struct live_region2 r = {
		.slot = 0, .flags = LIVE_MEM_GUEST_MEMFD, .guest_phys_addr = 0, .memory_size = PAGE,
		.userspace_addr = (uint64_t)(uintptr_t)none_mem, .guest_memfd_offset = 0, .guest_memfd = (uint32_t)gfd,
	};
	if (ioctl(v.fd, LIVE_SET_USER_MEMORY_REGION2, &r)) {
		snprintf(why, whylen, "KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD: %s", strerror(errno));
		err = why;
	}
	static uint8_t marks[1];
	((uint32_t *)(res_mem + PG_TABLE * PAGE))[0] = 0;
	for (int pass = 0; pass < 2 && !err; pass++)
		err = guest_pass(&v, 1, marks, why, whylen);
	close(gfd);
	destroy_vm(&v);
	return err;
}

#endif /* LIVE_GUEST_H */
