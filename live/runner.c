/*
 * live/runner.c: the live-kernel runner. It drives the real KVM of this machine through
 * /dev/kvm, one case after another in this one process, and reports what a guest saw.
 *
 * Why a folder of its own: this is a third runtime of the harness. model/ is the reference
 * (TypeScript), native/ compiles kernel C into a user-space program fed by the model's walks;
 * this program runs no model and no kernel source at all, it makes the real system calls
 * (KVM_CREATE_VM, KVM_CREATE_GUEST_MEMFD, KVM_SET_USER_MEMORY_REGION2, fallocate, KVM_RUN)
 * against the running kernel. It is compiled and loaded only for the live check
 * (live/kernel.ts, `npm run kvm`, test/live-*.test.ts), never by `npm run check`.
 *
 * Protocol (stdin, one case a line, tokens separated by single spaces, integers in decimal):
 *
 *   C <tag> <filePages> <op> <mode> <offset> <len> <nslots> { <id> <pgoff> <npages> <base_gfn> }
 *
 * op is `punch` (fallocate(fd, mode, offset, len), offset and len signed 64-bit) or `release`
 * (the guest_memfd fd closed and its host mapping unmapped; mode, offset and len are then 0). Slot fields are unsigned 64-bit, in pages; the runner shifts them by 12 (wrapping as
 * a __u64 does). Output: one JSON object a line per case, in input order (see live/kernel.ts,
 * LiveResult, for the fields). `--probe` instead prints one JSON line saying whether this
 * machine can run cases at all, and why not.
 *
 * The guest, the VM and the set-up are in guest.h (#included), shared with the self-checking
 * report repros that live/repro.ts generates; this file keeps the protocol, the JSON and the probe.
 *
 * The guest (64-bit, CPL 3, identity-mapped gfns below 2^24 - 128, the harness's own above) and
 * why the gmem slots' userspace_addr is a PROT_NONE reservation are told in guest.h. `--hva mmap`
 * puts userspace_addr on the host mmap of the file instead, for measuring: then the shadow MMU's
 * prefetch and the MMU notifier would hide a gfn that kvm_gmem_invalidate_begin() missed.
 */
#include "guest.h"

static int hva_mmap; /* --hva mmap */

/* ---- output ---- */

static char *out;
static size_t out_len, out_cap;

static void emit(const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(out + out_len, out_cap - out_len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (out_len + (size_t)n < out_cap) {
			out_len += (size_t)n;
			return;
		}
		out_cap = (out_cap + (size_t)n) * 2;
		out = realloc(out, out_cap);
		if (!out)
			abort();
	}
}

static void json_string(const char *s)
{
	emit("\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			emit("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			emit("\\u%04x", *s);
		else
			emit("%c", *s);
	}
	emit("\"");
}

static char *captured; /* the probe keeps its smoke case's line instead of printing it */
static int capture;

static void flush_line(void)
{
	if (capture) {
		free(captured);
		captured = strndup(out, out_len);
		out_len = 0;
		return;
	}
	emit("\n");
	fwrite(out, 1, out_len, stdout);
	fflush(stdout);
	out_len = 0;
}

/* ---- stats (KVM_GET_STATS_FD) ---- */

static const char *const vm_stat_names[] = {
	"pages_4k", "pages_2m", "remote_tlb_flush", "remote_tlb_flush_requests", "mmu_shadow_zapped",
	"mmu_pte_write", "mmu_pde_zapped", "mmu_flooded", "mmu_recycled", "mmu_unsync", "mmu_cache_miss",
};
static const char *const vcpu_stat_names[] = {
	"pf_fixed", "pf_taken", "pf_emulate", "pf_spurious", "pf_fast", "pf_mmio_spte_created",
	"exits", "mmio_exits", "tlb_flush", "insn_emulation", "invlpg",
};
#define NVM (sizeof(vm_stat_names) / sizeof(vm_stat_names[0]))
#define NVCPU (sizeof(vcpu_stat_names) / sizeof(vcpu_stat_names[0]))

static struct stat_layout vm_layout, vcpu_layout;

/* ---- one case ---- */

struct slot {
	uint32_t id;
	uint64_t pgoff, npages, base_gfn;
	int err; /* errno of its KVM_SET_USER_MEMORY_REGION2, 0 if bound */
	uint32_t first; /* its first entry in the gfn table */
};


/* The values read for one slot, run-length encoded: ["i",first,n] ["z",n] ["f",n] ["m",n] ["x","hex"] ["p",n]. */
static void emit_reads(uint32_t first, uint64_t n, uint64_t file_pages, const uint8_t *marks)
{
	const uint64_t *res = (const uint64_t *)(res_mem + PG_RESULTS * PAGE);
	emit("[");
	int comma = 0;
	char kind = 0;
	uint64_t start = 0, len = 0;
#define FLUSH()                                                                                        \
	do {                                                                                           \
		if (kind) {                                                                            \
			if (comma)                                                                     \
				emit(",");                                                             \
			comma = 1;                                                                     \
			if (kind == 'i')                                                               \
				emit("[\"i\",%" PRIu64 ",%" PRIu64 "]", start, len);                     \
			else                                                                           \
				emit("[\"%c\",%" PRIu64 "]", kind, len);                                 \
		}                                                                                      \
		kind = 0;                                                                              \
	} while (0)
	for (uint64_t k = 0; k < n; k++) {
		uint32_t at = first + (uint32_t)k;
		uint64_t v = res[at];
		char kk;
		uint64_t idx = 0;
		if (marks[at] == M_FAULT)
			kk = 'f';
		else if (marks[at] == M_MMIO)
			kk = 'm';
		else if (v == POISON)
			kk = 'p';
		else if (v == 0)
			kk = 'z';
		else if (file_page_of(v, file_pages, &idx))
			kk = 'i';
		else {
			FLUSH();
			if (comma)
				emit(",");
			comma = 1;
			emit("[\"x\",\"%" PRIx64 "\"]", v);
			continue;
		}
		if (kind == kk && (kk != 'i' || idx == start + len)) {
			len++;
			continue;
		}
		FLUSH();
		kind = kk;
		start = idx;
		len = 1;
	}
	FLUSH();
#undef FLUSH
	emit("]");
}

static void emit_stats(uint64_t snap[3][NVM + NVCPU])
{
	emit(",\"stats\":{");
	int comma = 0;
	for (size_t k = 0; k < NVM + NVCPU; k++) {
		if (snap[0][k] == UINT64_MAX)
			continue;
		const char *name = k < NVM ? vm_stat_names[k] : vcpu_stat_names[k - NVM];
		emit("%s\"%s\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", comma ? "," : "", name, snap[0][k], snap[1][k],
		     snap[2][k]);
		comma = 1;
	}
	emit("}");
}

static void snapshot(struct vm *v, uint64_t *row)
{
	read_stats(v->vm_stats, &vm_layout, vm_stat_names, NVM, row);
	read_stats(v->vcpu_stats, &vcpu_layout, vcpu_stat_names, NVCPU, row + NVM);
}

static int64_t parse_s64(const char *t, int *ok)
{
	char *end;
	errno = 0;
	long long x = strtoll(t, &end, 10);
	if (errno || *end || end == t)
		*ok = 0;
	return x;
}

static uint64_t parse_u64(const char *t, int *ok)
{
	char *end;
	errno = 0;
	if (*t == '-')
		*ok = 0;
	unsigned long long x = strtoull(t, &end, 10);
	if (errno || *end || end == t)
		*ok = 0;
	return x;
}

static void run_case(char *line)
{
	char *tok[8 + 4 * 64 + 2];
	int nt = 0;
	for (char *s = strtok(line, " \n"); s && nt < (int)(sizeof(tok) / sizeof(tok[0])); s = strtok(NULL, " \n"))
		tok[nt++] = s;
	int ok = nt >= 8 && !strcmp(tok[0], "C");
	const char *tag = nt >= 2 ? tok[1] : "?";
	uint64_t file_pages = 0, nslots = 0;
	int64_t mode = 0, offset = 0, len = 0;
	const char *op = "";
	if (ok) {
		file_pages = parse_u64(tok[2], &ok);
		op = tok[3];
		mode = parse_s64(tok[4], &ok);
		offset = parse_s64(tok[5], &ok);
		len = parse_s64(tok[6], &ok);
		nslots = parse_u64(tok[7], &ok);
		ok = ok && nslots <= 64 && (uint64_t)nt == 8 + 4 * nslots &&
		     (!strcmp(op, "punch") || !strcmp(op, "release"));
	}
	emit("{\"tag\":");
	json_string(tag);
	if (!ok) {
		emit(",\"error\":\"malformed case line\"}");
		flush_line();
		return;
	}
	struct slot slots[64];
	for (uint64_t i = 0; i < nslots; i++) {
		uint64_t id = parse_u64(tok[8 + 4 * i], &ok);
		slots[i].id = (uint32_t)id;
		slots[i].pgoff = parse_u64(tok[9 + 4 * i], &ok);
		slots[i].npages = parse_u64(tok[10 + 4 * i], &ok);
		slots[i].base_gfn = parse_u64(tok[11 + 4 * i], &ok);
		slots[i].err = -1;
		if (id > UINT32_MAX || id == RES_SLOT)
			ok = 0;
	}
	if (!ok) {
		emit(",\"error\":\"malformed case line (a slot)\"}");
		flush_line();
		return;
	}

	char why[512] = "";
	struct vm v;
	int verr = create_vm(&v, RES_SLOT, why, sizeof(why));
	if (verr > 0) {
		emit(",\"vm\":%d}", verr);
		flush_line();
		return;
	}
	if (verr < 0) {
		emit(",\"vm\":0,\"error\":");
		json_string(why);
		emit("}");
		destroy_vm(&v);
		flush_line();
		return;
	}
	emit(",\"vm\":0");

	struct live_create_gmem cg = { .size = file_pages * PAGE,
				       .flags = LIVE_GMEM_FLAG_MMAP | LIVE_GMEM_FLAG_INIT_SHARED };
	int gfd = ioctl(v.fd, LIVE_CREATE_GUEST_MEMFD, &cg);
	if (gfd < 0) {
		emit(",\"gmem\":%d}", errno);
		destroy_vm(&v);
		flush_line();
		return;
	}
	emit(",\"gmem\":0");
	const char *err = NULL;
	uint8_t *gm = mmap(NULL, file_pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, gfd, 0);
	if (gm == MAP_FAILED) {
		gm = NULL;
		snprintf(why, sizeof(why), "mmap of the guest_memfd: %s", strerror(errno));
		err = why;
	} else {
		for (uint64_t i = 0; i < file_pages; i++)
			*(volatile uint64_t *)(gm + i * PAGE) = value_of(i);
	}

	/* bind every slot, in case order, recording each errno */
	uint32_t count = 0;
	uint32_t *table = (uint32_t *)(res_mem + PG_TABLE * PAGE);
	emit(",\"binds\":[");
	for (uint64_t i = 0; i < nslots && !err; i++) {
		struct slot *s = &slots[i];
		uint64_t off = s->pgoff * PAGE, size = s->npages * PAGE;
		uint64_t hva;
		if (hva_mmap)
			hva = (uint64_t)(uintptr_t)gm + (s->pgoff < file_pages ? off : 0);
		else
			hva = none_hva(off, size);
		struct live_region2 r = {
			.slot = s->id, .flags = LIVE_MEM_GUEST_MEMFD, .guest_phys_addr = s->base_gfn * PAGE,
			.memory_size = size, .userspace_addr = hva, .guest_memfd_offset = off,
			.guest_memfd = (uint32_t)gfd,
		};
		s->err = ioctl(v.fd, LIVE_SET_USER_MEMORY_REGION2, &r) ? errno : 0;
		emit("%s%d", i ? "," : "", s->err);
		if (s->err)
			continue;
		if (s->base_gfn + s->npages > RES_GFN || s->npages > MAX_GFNS - count) {
			snprintf(why, sizeof(why), "slot %u: gfns [%" PRIu64 ", %" PRIu64 ") are beyond what the guest reads "
				 "(below %" PRIu64 ", %u in all)", s->id, s->base_gfn, s->base_gfn + s->npages,
				 (uint64_t)RES_GFN, MAX_GFNS);
			err = why;
			break;
		}
		s->first = count;
		for (uint64_t g = 0; g < s->npages; g++)
			table[count++] = (uint32_t)(s->base_gfn + g);
	}
	emit("]");

	static uint8_t marks_before[MAX_GFNS], marks_after[MAX_GFNS];
	static uint64_t before[MAX_GFNS];
	uint64_t snap[3][NVM + NVCPU];
	if (!err && count)
		err = guest_pass(&v, count, marks_before, why, sizeof(why));
	if (!err)
		memcpy(before, res_mem + PG_RESULTS * PAGE, count * 8ull);
	snapshot(&v, snap[0]);

	/* the operation */
	if (!err) {
		if (!strcmp(op, "punch")) {
			int rc = fallocate(gfd, (int)mode, (off_t)offset, (off_t)len);
			emit(",\"op\":{\"kind\":\"punch\",\"errno\":%d}", rc ? errno : 0);
		} else { /* release */
			if (gm)
				munmap(gm, file_pages * PAGE);
			gm = NULL;
			close(gfd);
			gfd = -1;
			emit(",\"op\":{\"kind\":\"release\",\"errno\":0}");
		}
	}
	snapshot(&v, snap[1]);
	if (!err && count)
		err = guest_pass(&v, count, marks_after, why, sizeof(why));
	snapshot(&v, snap[2]);

	if (!err) {
		emit(",\"slots\":[");
		int comma = 0;
		for (uint64_t i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];
			if (s->err)
				continue;
			emit("%s{\"id\":%u,\"before\":", comma ? "," : "", s->id);
			comma = 1;
			/* the results page holds the second pass: swap the first in to encode it */
			uint64_t *res = (uint64_t *)(res_mem + PG_RESULTS * PAGE);
			static uint64_t after[MAX_GFNS];
			memcpy(after + s->first, res + s->first, s->npages * 8);
			memcpy(res + s->first, before + s->first, s->npages * 8);
			emit_reads(s->first, s->npages, file_pages, marks_before);
			memcpy(res + s->first, after + s->first, s->npages * 8);
			emit(",\"after\":");
			emit_reads(s->first, s->npages, file_pages, marks_after);
			emit("}");
		}
		emit("]");
		emit_stats(snap);
	} else {
		emit(",\"error\":");
		json_string(err);
	}
	emit("}");
	if (gm)
		munmap(gm, file_pages * PAGE);
	if (gfd >= 0)
		close(gfd);
	destroy_vm(&v);
	flush_line();
}

/* ---- the probe ---- */

/*
 * The probe: set-up, then one small case (a punch of file page 1 of 4, bound at gfn 16) that
 * must run to its end: a guest that cannot run here is a reason to skip, what it reads is not
 * the probe's business (that is the conformance check's).
 */
static int probe(void)
{
	char why[512];
	const char *err = setup(why, sizeof(why));
	if (!err) {
		char line[] = "C probe 4 punch 3 4096 4096 1 0 0 4 16";
		capture = 1;
		run_case(line);
		capture = 0;
		if (!captured || strstr(captured, "\"error\"") || !strstr(captured, "\"binds\":[0]") ||
		    !strstr(captured, "\"slots\"")) {
			snprintf(why, sizeof(why), "a guest reading a guest_memfd page could not run here: %s",
				 captured ? captured : "(no result)");
			err = why;
		}
	}
	out_len = 0;
	emit("{\"probe\":true,\"ok\":%s,", err ? "false" : "true");
	if (err) {
		if (gmem_missing)
			emit("\"no_guest_memfd\":{\"create_errno\":%d},", gmem_create_errno);
		emit("\"why\":");
		json_string(err);
	} else {
		emit("\"device\":");
		json_string(device);
		emit(",\"gfn_limit\":%llu,\"smoke\":%s", (unsigned long long)RES_GFN, captured);
	}
	emit("}");
	flush_line();
	return 0;
}

int main(int argc, char **argv)
{
	int want_probe = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--probe"))
			want_probe = 1;
		else if (!strcmp(argv[i], "--device") && i + 1 < argc)
			device = argv[++i];
		else if (!strcmp(argv[i], "--hva") && i + 1 < argc) {
			const char *h = argv[++i];
			if (strcmp(h, "none") && strcmp(h, "mmap")) {
				fprintf(stderr, "--hva takes none or mmap\n");
				return 2;
			}
			hva_mmap = !strcmp(h, "mmap");
		} else {
			fprintf(stderr, "usage: %s [--probe] [--device PATH] [--hva none|mmap] < cases\n", argv[0]);
			return 2;
		}
	}
	out_cap = 1 << 16;
	out = malloc(out_cap);
	if (!out)
		return 1;
	if (want_probe)
		return probe();
	char why[512];
	const char *err = setup(why, sizeof(why));
	if (!err)
		err = warm_up(why, sizeof(why));
	if (err) {
		/* every case reports the same: nothing can run here */
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		if (line[0] == '\n' || line[0] == '#')
			continue;
		run_case(line);
	}
	free(line);
	return 0;
}
