/*
 * live/repro-main.h: the checking half of every report repro that live/repro.ts generates
 * (carried whole in each repro, after live/guest.h and the case). The case comes before it:
 *
 *   REPRO_NAME      the report's name, a string
 *   CASE_TEXT       the case in one line, a string
 *   FILE_PAGES      the guest_memfd's size in pages
 *   OP_RELEASE      1: the operation is a release (the fd closed, the host mappings gone);
 *                   0: a punch, done by punch(gfd), which returns 0 or fallocate's errno
 *   OP_NAME         "the punch" or "the release", for the lines printed
 *   PUNCH_MODE      fallocate's mode
 *   MODEL_ERRNO     the errno model/callers.ts gives the punch (0: accepted)
 *   MODEL_PUNCHES   1 when the model invalidates on it (an accepted PUNCH_HOLE)
 *   slots[]         the memslots, in binding order: id, pgoff, npages, base_gfn (pages)
 *   must_unmap[]    the gfns the reference says the operation unmaps, as { index into
 *                   slots[], start, end } (gfns [start, end)), ended by an entry of slot -1
 *
 * Steps: set-up (no usable /dev/kvm or capability: exit 4), a warm-up VM, the case's VM, its
 * guest_memfd (MMAP | INIT_SHARED) mapped slot by slot on the host with file page i holding
 * value_of(i), every slot bound, the guest reads every gfn (each must read its own page), the
 * operation, the guest reads every gfn again. Then per slot: each gfn in must_unmap reads 0
 * after a punch, or exits to userspace after a release; every other gfn still reads its page.
 * And the counters: the operation removed one 4K mapping per gfn in must_unmap (the VM's
 * pages_4k) and the second pass faulted those gfns back in (the vCPU's pf_fixed; none after a
 * release): the only thing a guest sees of an extra unmap. Exit 0 PASS, 1 FAIL, 4 skipped.
 */

#define REPRO_SKIP 4

struct want_run {
	uint64_t start, end; /* gfns */
};

static int skip(const char *why)
{
	printf("skipped: %s\n", why);
	return REPRO_SKIP;
}

/* "gfn 3" or "gfns [3, 7)" */
static void print_gfns(uint64_t start, uint64_t end)
{
	if (end - start == 1)
		printf("gfn %" PRIu64, start);
	else
		printf("gfns [%" PRIu64 ", %" PRIu64 ")", start, end);
}

/* The runs of gfns of slot `s` whose `flags` equal `want`, as "gfn 3, gfns [5, 9)"; returns how many gfns. */
static uint64_t print_runs(const struct repro_slot *s, const uint8_t *flags, uint8_t want)
{
	uint64_t total = 0, shown = 0, k = 0;
	while (k < s->npages) {
		if (flags[k] != want) {
			k++;
			continue;
		}
		uint64_t start = k;
		while (k < s->npages && flags[k] == want)
			k++;
		total += k - start;
		if (shown < 4) {
			printf("%s", shown ? ", " : "");
			print_gfns(s->base_gfn + start, s->base_gfn + k);
		} else if (shown == 4) {
			printf(", ...");
		}
		shown++;
	}
	return total;
}

/* What the guest read at one gfn, in words: "0", "0x676d656d00000004 (file page 3)", "an exit (KVM_EXIT_MMIO)". */
static const char *describe(uint64_t v, uint8_t mark, char *buf, size_t len)
{
	uint64_t page;
	if (mark == M_FAULT)
		snprintf(buf, len, "an exit to userspace (KVM_EXIT_MEMORY_FAULT)");
	else if (mark == M_MMIO)
		snprintf(buf, len, "an exit to userspace (KVM_EXIT_MMIO)");
	else if (v == 0)
		snprintf(buf, len, "0");
	else if (file_page_of(v, FILE_PAGES, &page))
		snprintf(buf, len, "0x%016" PRIx64 " (file page %" PRIu64 ")", v, page);
	else
		snprintf(buf, len, "0x%016" PRIx64, v);
	return buf;
}

/* --dry-run: each slot's KVM_SET_USER_MEMORY_REGION2 as it would be made, without KVM. */
static int dry_run(void)
{
	char why[512] = "";
	if (reserve_none(why, sizeof(why))) {
		printf("%s\n", why);
		return 2;
	}
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		uint64_t off = slots[i].pgoff * PAGE, size = slots[i].npages * PAGE;
		printf("slot %u: guest_memfd_offset %" PRIu64 ", memory_size %" PRIu64 ", userspace_addr %" PRIu64 "\n", slots[i].id,
		       off, size, none_hva(off, size));
	}
	return 0;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			device = argv[++i];
		} else if (!strcmp(argv[i], "--dry-run")) {
			return dry_run();
		} else {
			fprintf(stderr, "usage: %s [--device PATH] [--dry-run]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char why[512] = "";
	const char *err = setup(why, sizeof(why));
	if (err)
		return skip(err);
	if ((err = warm_up(why, sizeof(why)))) {
		char line[600];
		snprintf(line, sizeof(line), "a guest reading a guest_memfd page could not run here: %s", err);
		return skip(line);
	}

	const size_t nslots = sizeof(slots) / sizeof(slots[0]);
	uint32_t res_slot = RES_SLOT; /* the harness slot: an id the case does not use */
	for (int clash = 1; clash;) {
		clash = 0;
		for (size_t i = 0; i < nslots; i++)
			if (slots[i].id == res_slot) {
				res_slot--;
				clash = 1;
			}
	}

	/* the VM and its guest_memfd */
	struct vm v;
	if (create_vm(&v, res_slot, why, sizeof(why))) {
		if (!why[0])
			snprintf(why, sizeof(why), "KVM_CREATE_VM: %s", strerror(errno));
		return skip(why);
	}
	struct live_create_gmem cg = { .size = FILE_PAGES * PAGE, .flags = LIVE_GMEM_FLAG_MMAP | LIVE_GMEM_FLAG_INIT_SHARED };
	int gfd = ioctl(v.fd, LIVE_CREATE_GUEST_MEMFD, &cg);
	if (gfd < 0) {
		snprintf(why, sizeof(why), "KVM_CREATE_GUEST_MEMFD of %llu pages (MMAP | INIT_SHARED): %s",
			 (unsigned long long)FILE_PAGES, strerror(errno));
		return skip(why);
	}
	printf("repro %s: %s\n", REPRO_NAME, CASE_TEXT);

	/* each slot's file pages mapped on the host, file page i holding value_of(i); then bound */
	static uint8_t *maps[sizeof(slots) / sizeof(slots[0])];
	uint32_t *table = (uint32_t *)(res_mem + PG_TABLE * PAGE);
	uint32_t count = 0, first[sizeof(slots) / sizeof(slots[0])];
	int failed = 0;
	for (size_t i = 0; i < nslots; i++) {
		const struct repro_slot *s = &slots[i];
		maps[i] = mmap(NULL, s->npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, (off_t)(s->pgoff * PAGE));
		if (maps[i] == MAP_FAILED) {
			snprintf(why, sizeof(why), "mmap of the guest_memfd (file pages [%" PRIu64 ", %" PRIu64 ")): %s",
				 s->pgoff, s->pgoff + s->npages, strerror(errno));
			return skip(why);
		}
		for (uint64_t k = 0; k < s->npages; k++)
			*(volatile uint64_t *)(maps[i] + k * PAGE) = value_of(s->pgoff + k);
		struct live_region2 r = {
			.slot = s->id, .flags = LIVE_MEM_GUEST_MEMFD, .guest_phys_addr = s->base_gfn * PAGE,
			.memory_size = s->npages * PAGE, .userspace_addr = none_hva(s->pgoff * PAGE, s->npages * PAGE),
			.guest_memfd_offset = s->pgoff * PAGE, .guest_memfd = (uint32_t)gfd,
		};
		if (ioctl(v.fd, LIVE_SET_USER_MEMORY_REGION2, &r)) {
			printf("slot %u: KVM_SET_USER_MEMORY_REGION2 refused the binding (%s); the model binds it: FAIL\n", s->id,
			       strerror(errno));
			failed = 1;
		}
		first[i] = count;
		for (uint64_t k = 0; k < s->npages; k++)
			table[count++] = (uint32_t)(s->base_gfn + k);
	}
	if (failed) {
		printf("FAIL: the case's steps are not legal on this kernel\n");
		return 1;
	}

	/* which gfns must be unmapped */
	static uint8_t unmap[MAX_GFNS];
	uint64_t must = 0;
	for (size_t j = 0; must_unmap[j].slot >= 0; j++) {
		const struct repro_slot *s = &slots[must_unmap[j].slot];
		for (uint64_t g = must_unmap[j].start; g < must_unmap[j].end; g++)
			if (g >= s->base_gfn && g - s->base_gfn < s->npages && !unmap[first[must_unmap[j].slot] + (g - s->base_gfn)]) {
				unmap[first[must_unmap[j].slot] + (g - s->base_gfn)] = 1;
				must++;
			}
	}

	/* the guest reads every gfn: each is mapped, and must read its own file page */
	static uint8_t marks_before[MAX_GFNS], marks_after[MAX_GFNS];
	static uint64_t before[MAX_GFNS];
	if ((err = guest_pass(&v, count, marks_before, why, sizeof(why)))) {
		char line[600];
		snprintf(line, sizeof(line), "a guest reading guest_memfd pages could not run here: %s", err);
		return skip(line);
	}
	memcpy(before, res_mem + PG_RESULTS * PAGE, count * 8ull);
	static const char *const vm_names[] = { "pages_4k" }, *const vcpu_names[] = { "pf_fixed" };
	struct stat_layout vm_l = { 0 }, vcpu_l = { 0 };
	uint64_t pages_4k[3], pf_fixed[3];
	read_stats(v.vm_stats, &vm_l, vm_names, 1, &pages_4k[0]);
	read_stats(v.vcpu_stats, &vcpu_l, vcpu_names, 1, &pf_fixed[0]);

	/* the operation */
	int punched; /* whether the kernel invalidated */
#if OP_RELEASE
	for (size_t i = 0; i < nslots; i++)
		munmap(maps[i], slots[i].npages * PAGE); /* a host mapping holds a reference to the file */
	close(gfd);
	punched = 1;
#else
	int op_rc = punch(gfd);
	punched = op_rc == 0 && (PUNCH_MODE & FALLOC_FL_PUNCH_HOLE) != 0;
	if (op_rc != MODEL_ERRNO || punched != MODEL_PUNCHES) {
		/* the model's fallocate rules are wrong for this kernel: what follows still shows the unmaps */
		printf("fallocate: the kernel returned %s%s, the model (model/callers.ts) %s%s%s: FAIL\n", op_rc ? "-" : "0",
		       op_rc ? strerror(op_rc) : "", MODEL_ERRNO ? "-" : "0", MODEL_ERRNO ? strerror(MODEL_ERRNO) : "",
		       punched == MODEL_PUNCHES ? "" : punched ? ", and the kernel punched where the model does not" : ", and the model punches where the kernel did not");
		failed = 1;
	}
#endif
	if (!punched)
		memset(unmap, 0, count); /* nothing was invalidated: every gfn must keep its page */
	read_stats(v.vm_stats, &vm_l, vm_names, 1, &pages_4k[1]);
	read_stats(v.vcpu_stats, &vcpu_l, vcpu_names, 1, &pf_fixed[1]);

	/* the guest reads every gfn again */
	if ((err = guest_pass(&v, count, marks_after, why, sizeof(why)))) {
		printf("the guest's reads after %s did not finish: %s: FAIL\n", OP_NAME, err);
		printf("FAIL: %s\n", REPRO_NAME);
		return 1;
	}
	read_stats(v.vm_stats, &vm_l, vm_names, 1, &pages_4k[2]);
	read_stats(v.vcpu_stats, &vcpu_l, vcpu_names, 1, &pf_fixed[2]);
	const uint64_t *after = (const uint64_t *)(res_mem + PG_RESULTS * PAGE);

	/* per slot: what it must read, and what it read */
	for (size_t i = 0; i < nslots; i++) {
		const struct repro_slot *s = &slots[i];
		uint32_t at = first[i];
		uint64_t wrong = 0, bad_k = 0;
		int bad_before = 0;
		for (uint64_t k = 0; k < s->npages; k++) {
			uint64_t own = value_of(s->pgoff + k);
			int ok_before = !marks_before[at + k] && before[at + k] == own;
			int ok_after;
			if (unmap[at + k] && OP_RELEASE)
				ok_after = marks_after[at + k] == M_FAULT || marks_after[at + k] == M_MMIO;
			else if (unmap[at + k])
				ok_after = !marks_after[at + k] && after[at + k] == 0;
			else
				ok_after = !marks_after[at + k] && after[at + k] == own;
			if (!ok_before || !ok_after) {
				if (!wrong++) {
					bad_k = k;
					bad_before = !ok_before;
				}
			}
		}
		if (wrong) {
			char got[96], exp[96];
			uint64_t k = bad_k, own = value_of(s->pgoff + k);
			printf("slot %u: ", s->id);
			if (bad_before) {
				printf("gfn %" PRIu64 " reads %s before %s, expected %s", s->base_gfn + k,
				       describe(before[at + k], marks_before[at + k], got, sizeof(got)), OP_NAME,
				       describe(own, M_NONE, exp, sizeof(exp)));
			} else {
				int kept = !marks_after[at + k] && after[at + k] == own;
				printf("gfn %" PRIu64 " %s %s after %s, expected %s", s->base_gfn + k, kept ? "still reads" : "reads",
				       describe(after[at + k], marks_after[at + k], got, sizeof(got)), OP_NAME,
				       unmap[at + k] ? (OP_RELEASE ? "an exit to userspace" : "0") : describe(own, M_NONE, exp, sizeof(exp)));
			}
			if (wrong > 1)
				printf("; and %" PRIu64 " more gfn%s wrong", wrong - 1, wrong > 2 ? "s" : "");
			printf(": FAIL\n");
			failed = 1;
			continue;
		}
		printf("slot %u: ", s->id);
		uint64_t gone = 0;
		if (punched) {
			gone = print_runs(s, unmap + at, 1);
			if (gone)
				printf(" %s after %s", OP_RELEASE ? (gone > 1 ? "exit to userspace" : "exits to userspace")
								    : (gone > 1 ? "read 0" : "reads 0"), OP_NAME);
		}
		if (gone < s->npages) {
			printf("%s", gone ? ", " : "");
			uint64_t kept = print_runs(s, unmap + at, 0);
			if (punched)
				printf(" still read%s %s file page%s", kept > 1 ? "" : "s", kept > 1 ? "their" : "its", kept > 1 ? "s" : "");
			else
				printf(" read%s %s file page%s (%s did not invalidate)", kept > 1 ? "" : "s", kept > 1 ? "their" : "its",
				       kept > 1 ? "s" : "", OP_NAME);
			if (!gone && punched)
				printf(" after %s", OP_NAME);
		}
		printf(": PASS\n");
	}

	/* the counters: an unmap the reference does not ask for shows only here */
	if (pages_4k[0] == UINT64_MAX || pf_fixed[0] == UINT64_MAX) {
		printf("mappings: not checked (no pages_4k or pf_fixed in KVM_GET_STATS_FD here)\n");
	} else {
		uint64_t zaps = punched ? must : 0;
		int64_t removed = (int64_t)(pages_4k[0] - pages_4k[1]);
		int64_t refaulted = (int64_t)(pf_fixed[2] - pf_fixed[1]);
		int64_t want_refaulted = OP_RELEASE ? 0 : (int64_t)zaps;
		int ok = removed == (int64_t)zaps && refaulted == want_refaulted;
		printf("mappings: %s removed %" PRId64 " 4K mapping%s and the guest faulted %" PRId64 " gfn%s back in; "
		       "the reference unmaps %" PRIu64 " gfn%s%s: %s\n", OP_NAME, removed, removed == 1 ? "" : "s", refaulted,
		       refaulted == 1 ? "" : "s", zaps, zaps == 1 ? "" : "s", OP_RELEASE ? " (none faults back: the file is gone)" : "",
		       ok ? "PASS" : "FAIL");
		if (!ok)
			failed = 1;
	}

	struct utsname u;
	int named = uname(&u) == 0;
	printf("%s: %s on %s%s\n", failed ? "FAIL" : "PASS", REPRO_NAME, named ? "Linux " : "this kernel", named ? u.release : "");
	for (size_t i = 0; i < nslots && !OP_RELEASE; i++)
		munmap(maps[i], slots[i].npages * PAGE);
	if (!OP_RELEASE)
		close(gfd);
	destroy_vm(&v);
	return failed ? 1 : 0;
}
