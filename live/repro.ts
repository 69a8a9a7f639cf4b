// A saved report's case as one self-checking C program for the live kernel, and
// `npm run check -- --report <json> --live`, which builds and runs it here (runRepro).
//
// The program is self-contained: its header comment (the case, what it prints on a kernel that
// invalidates right and what it would print on one with the reported bug), live/guest.h (the
// guest and the VM, shared with live/runner.c), the case as data and one fallocate() call, and
// live/repro-main.h (the steps and the checks). It asserts what a guest can observe: after the
// operation every gfn of the record's `expected` reads 0 (punch) or exits to userspace
// (release), every other gfn of a bound slot still reads its own file page, and the 4K mappings
// the operation removed (and the faults that bring them back) number the gfns the reference
// unmaps. Exit 0 PASS, 1 FAIL, 4 skipped with one line why (no usable /dev/kvm, a missing
// capability, or a case that cannot run live: memory failure, gfns beyond the guest's reach).
//
// The expectation is the record's own `expected`, which loadReport has held against
// model/reference.ts (a hand-edited one is refused there).

import { spawnSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { FALLOC_FL_PUNCH_HOLE, Operation, Resolved, resolve } from '../model/callers';
import { KernelError } from '../model/errno';
import { Layout } from '../model/layout';
import { Range, intersect, normalize, show } from '../model/ranges';
import { slotGfns } from '../model/reference';
import { WORD64 } from '../model/word';
import { LayoutSpec, SlotSpec, materialize } from '../properties/case';
import { formatOperation, modeName } from '../properties/format';
import { LIVE_GFN_LIMIT } from '../properties/live-arbitraries';
import { ReportRecord, caseOf } from '../properties/reports/record';

const GUEST_H = path.join(__dirname, 'guest.h');
const REPRO_MAIN_H = path.join(__dirname, 'repro-main.h');

/** The guest reads at most this many gfns in a pass (live/guest.h MAX_GFNS: its gfn table and results). */
export const REPRO_MAX_GFNS = 16384n;
/** Exit status of a program that did not run its checks (no usable KVM, or a case that cannot run live). */
export const EXIT_SKIPPED = 4;
const VALUE_TAG = 0x676d656d00000000n;
const U64 = (1n << 64n) - 1n;

/** What a repro is made from: a saved report (properties/reports/store SavedReport has both). */
export interface ReproSource {
  readonly stem: string;
  readonly record: ReportRecord;
}

/** The value the host writes into file page i (live/guest.h value_of). */
export const valueOf = (i: bigint): bigint => (VALUE_TAG | (i + 1n)) & U64;

// ---- the plan: what the program does and checks ----

interface SlotPlan {
  readonly slot: SlotSpec;
  /** The gfns of this slot the record's `expected` says must be unmapped, within the slot. */
  readonly unmap: readonly Range[];
}

type Plan =
  | { readonly runnable: false; readonly why: string; readonly layout: LayoutSpec; readonly op: Operation }
  | {
    readonly runnable: true;
    readonly layout: LayoutSpec;
    readonly op: Exclude<Operation, { kind: 'memory-failure' | 'bind' }>;
    readonly resolved: Resolved;
    /** The model invalidates (an accepted punch, or the release). */
    readonly invalidates: boolean;
    readonly slots: readonly SlotPlan[];
    /** Parts of `expected` the program cannot check (a slot the case does not have, gfns outside the slot). */
    readonly ignored: readonly string[];
    /** How many gfns must be unmapped, over every slot. */
    readonly zaps: bigint;
  };

const count = (rs: readonly Range[]): bigint => rs.reduce((n, r) => n + r.end - r.start, 0n);
/** The parts of `rs` within the slot's gfns. */
const within = (rs: readonly Range[], s: SlotSpec): Range[] => rs.map((r) => intersect(r, slotGfns(s))).filter((r): r is Range => r !== null);

export function plan(record: ReportRecord): Plan {
  const c = caseOf(record.counterexample);
  const { layout, op } = c;
  if (op.kind === 'bind') {
    // a bind request has no invalidation for a guest to observe: its live program is the finding's
    return {
      runnable: false, layout, op,
      why: 'it is a bind request, which no guest read observes; the live reproducer of kvm_gmem_bind()\'s overflow is ' +
        'findings/bind-offset-overflow.c (it binds 2 pages at guest_memfd_offset 2^63 - 4096 of a 2 MiB file, and 2^62 as a control; ' +
        '`npm test` runs it in test/live-finding.test.ts wherever /dev/kvm has guest_memfd)',
    };
  }
  if (op.kind === 'memory-failure') {
    return {
      runnable: false, layout, op,
      why: `memory failure is never performed live (it would poison this machine's memory): ` +
        `the case is the ${1n << BigInt(op.order)}-page folio at file index ${op.index}`,
    };
  }
  if (layout.vmType === 'tdx') {
    return { runnable: false, layout, op, why: 'the case is in a TDX VM, and the live runner creates default VMs only' };
  }
  if (op.kind === 'convert' || layout.pageOrder) {
    // KERNEL-FACTS §6: the in-place conversion and HugeTLB series are not in a released kernel
    return { runnable: false, layout, op, why: op.kind === 'convert' ? 'the case is a conversion (KVM_SET_MEMORY_ATTRIBUTES2 on a guest_memfd), which only the in-flight conversion series has' : `the case's file has page order ${layout.pageOrder}, which only the in-flight HugeTLB series has` };
  }
  if (layout.otherViews?.length) {
    // KERNEL-FACTS §6: upstream creates one view per inode; a second VM's view needs the in-flight series
    return { runnable: false, layout, op, why: `the case has ${1 + layout.otherViews.length} views of one file, and a released kernel gives a file one view (a second VM's view comes with the in-flight intra-host migration series)` };
  }
  let bound: Layout;
  try {
    bound = materialize(layout); // the model binds every slot of a saved case
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    return { runnable: false, layout, op, why: `the model refuses the layout (${e.message}), so the case has no steps to run` };
  }
  let total = 0n;
  for (const s of layout.slots) {
    if (s.base_gfn + s.npages > LIVE_GFN_LIMIT) {
      return {
        runnable: false, layout, op,
        why: `slot ${s.id}: gfns [${s.base_gfn}, ${s.base_gfn + s.npages}) are beyond the guest's reach ` +
          `(it reads gfns below ${LIVE_GFN_LIMIT}, 2^24 - 128: its identity map less the harness's own gfns)`,
      };
    }
    total += s.npages;
  }
  if (total > REPRO_MAX_GFNS) {
    return { runnable: false, layout, op, why: `the slots hold ${total} gfns; the guest reads at most ${REPRO_MAX_GFNS} in a pass` };
  }
  const resolved = resolve(bound, op, WORD64);
  const ignored: string[] = [];
  const slots = layout.slots.map((s) => {
    const mine = record.expected.filter((e) => e.slot === s.id).map((e) => ({ start: BigInt(e.gfns.start), end: BigInt(e.gfns.end) }));
    const inside = within(mine, s);
    if (count(normalize(inside)) !== count(normalize(mine))) ignored.push(`slot ${s.id}: the part of ${mine.map(show).join(' ')} outside its gfns`);
    return { slot: s, unmap: normalize(inside) };
  });
  for (const e of record.expected) {
    if (!layout.slots.some((s) => s.id === e.slot)) ignored.push(`slot ${e.slot}: not in the case`);
  }
  return {
    runnable: true, layout, op, resolved, invalidates: resolved.kind === 'invalidate', slots, ignored,
    zaps: slots.reduce((n, s) => n + count(s.unmap), 0n),
  };
}

// ---- what the program prints (predicted here, printed by live/repro-main.h: keep them in step) ----

const plural = (n: bigint, one: string, many: string) => (n === 1n ? one : many);
const gfns = (start: bigint, end: bigint) => (end - start === 1n ? `gfn ${start}` : `gfns [${start}, ${end})`);
const opName = (op: Operation) => (op.kind === 'release' ? 'the release' : 'the punch');

/** live/repro-main.h describe(): what a guest read, in words. */
function describeValue(v: bigint, filePages: bigint): string {
  if (v === 0n) return '0';
  const low = v & 0xffffffffn;
  const hex = `0x${v.toString(16).padStart(16, '0')}`;
  if ((v & ~0xffffffffn) === VALUE_TAG && low >= 1n && low - 1n < filePages) return `${hex} (file page ${low - 1n})`;
  return hex;
}

/** live/repro-main.h print_runs(): the runs of gfns of a slot whose flag is `want`, and how many. */
function runs(s: SlotSpec, flag: (k: bigint) => boolean, want: boolean): [string, bigint] {
  const parts: string[] = [];
  let total = 0n, shown = 0, k = 0n;
  while (k < s.npages) {
    if (flag(k) !== want) { k++; continue; }
    const start = k;
    while (k < s.npages && flag(k) === want) k++;
    total += k - start;
    if (shown < 4) parts.push(`${shown ? ', ' : ''}${gfns(s.base_gfn + start, s.base_gfn + k)}`);
    else if (shown === 4) parts.push(', ...');
    shown++;
  }
  return [parts.join(''), total];
}

const inRanges = (g: bigint, rs: readonly Range[]) => rs.some((r) => r.start <= g && g < r.end);

function caseText(layout: LayoutSpec, op: Operation, resolved?: Resolved): string {
  const slots = layout.slots.map((s) => `slot ${s.id}: file pages [${s.pgoff}, ${s.pgoff + s.npages}) -> gfns [${s.base_gfn}, ${s.base_gfn + s.npages})`);
  const what = !resolved ? '' : resolved.kind === 'invalidate'
    ? (op.kind === 'release' ? ': invalidates the whole file' : `: invalidates file pages [${resolved.start}, ${resolved.end})`)
    : resolved.kind === 'error' ? `: refused, -${resolved.errno}` : ': allocates, invalidates nothing';
  return [`guest_memfd of ${layout.filePages} ${plural(layout.filePages, 'page', 'pages')}`, ...slots].join('; ') +
    `; ${op.kind === 'punch' ? `fallocate(fd, ${modeName(op.mode)}, ${op.offset}, ${op.len})` : formatOperation(op)}${what}`;
}

/**
 * What a kernel does with the case, for the prediction: which gfns stay mapped although the
 * record expects them unmapped (`missed`), and which are unmapped for nothing (`extra`).
 */
interface KernelPicture {
  readonly missed: ReadonlyMap<number, readonly Range[]>;
  readonly extra: ReadonlyMap<number, readonly Range[]>;
}

const CORRECT: KernelPicture = { missed: new Map(), extra: new Map() };

/** The lines the program prints (the last one's kernel release left as `<release>`). */
function predict(p: Extract<Plan, { runnable: true }>, stem: string, k: KernelPicture): { lines: string[]; failed: boolean } {
  const release = p.op.kind === 'release';
  const OP = opName(p.op);
  const punched = p.invalidates;
  const lines = [`repro ${stem}: ${caseText(p.layout, p.op, p.resolved)}`];
  let failed = false, removed = 0n;
  for (const { slot: s, unmap } of p.slots) {
    const missed = within(k.missed.get(s.id) ?? [], s);
    const extra = within(k.extra.get(s.id) ?? [], s);
    const must = (kk: bigint) => punched && inRanges(s.base_gfn + kk, unmap);
    const wrong: bigint[] = [];
    for (let kk = 0n; kk < s.npages; kk++) {
      const g = s.base_gfn + kk;
      const stays = must(kk) && inRanges(g, missed);
      const zapped = (must(kk) && !stays) || (!must(kk) && punched && inRanges(g, extra));
      if (zapped) removed++;
      if (stays) wrong.push(kk);
    }
    if (wrong.length) {
      failed = true;
      const kk = wrong[0];
      const more = wrong.length > 1 ? `; and ${wrong.length - 1} more ${wrong.length > 2 ? 'gfns' : 'gfn'} wrong` : '';
      lines.push(`slot ${s.id}: gfn ${s.base_gfn + kk} still reads ${describeValue(valueOf(s.pgoff + kk), p.layout.filePages)} after ${OP}, ` +
        `expected ${release ? 'an exit to userspace' : '0'}${more}: FAIL`);
      continue;
    }
    let line = `slot ${s.id}: `;
    let gone = 0n;
    if (punched) {
      const [text, n] = runs(s, (kk) => inRanges(s.base_gfn + kk, unmap), true);
      gone = n;
      if (gone) line += `${text} ${release ? plural(gone, 'exits to userspace', 'exit to userspace') : plural(gone, 'reads 0', 'read 0')} after ${OP}`;
    }
    if (gone < s.npages) {
      const [text, kept] = runs(s, (kk) => punched && inRanges(s.base_gfn + kk, unmap), false);
      line += `${gone ? ', ' : ''}${text}`;
      const verb = `${plural(kept, 'reads its file page', 'read their file pages')}`;
      line += punched ? ` still ${verb}` : ` ${verb} (${OP} did not invalidate)`;
      if (!gone && punched) line += ` after ${OP}`;
    }
    lines.push(`${line}: PASS`);
  }
  const zaps = punched ? p.zaps : 0n;
  const refaulted = release ? 0n : removed;
  const ok = removed === zaps && refaulted === (release ? 0n : zaps);
  if (!ok) failed = true;
  lines.push(`mappings: ${OP} removed ${removed} 4K ${plural(removed, 'mapping', 'mappings')} and the guest faulted ${refaulted} ` +
    `${plural(refaulted, 'gfn', 'gfns')} back in; the reference unmaps ${zaps} ${plural(zaps, 'gfn', 'gfns')}` +
    `${release ? ' (none faults back: the file is gone)' : ''}: ${ok ? 'PASS' : 'FAIL'}`);
  lines.push(`${failed ? 'FAIL' : 'PASS'}: ${stem} on Linux <release>`);
  return { lines, failed };
}

/** The record's difference as the kernel picture of the reported bug. */
function bugPicture(record: ReportRecord): KernelPicture {
  const missed = new Map<number, Range[]>(), extra = new Map<number, Range[]>();
  const r = (x: { start: string; end: string }): Range => ({ start: BigInt(x.start), end: BigInt(x.end) });
  for (const d of record.difference.slots) {
    missed.set(d.slot, d.missed.map(r));
    extra.set(d.slot, d.extra.map(r));
  }
  return { missed, extra };
}

/** What the program prints on a kernel that invalidates as the reference says (this one), or null when it cannot run live. */
export function expectedOutput(src: ReproSource): string[] | null {
  const p = plan(src.record);
  return p.runnable ? predict(p, src.stem, CORRECT).lines : null;
}

/**
 * The program's output on a kernel with the reported bug, as the record's difference tells it
 * (`lines`, only those that differ from a correct kernel's and the last; null when the guest
 * cannot see the bug or the case cannot run live), and a sentence saying what else would show.
 */
export function withTheBug(src: ReproSource): { readonly lines: readonly string[] | null; readonly note: string } {
  const { record } = src;
  const p = plan(record);
  if (!p.runnable) return { lines: null, note: `This case cannot run live: ${p.why}.` };
  const good = predict(p, src.stem, CORRECT).lines;
  const bad = predict(p, src.stem, bugPicture(record));
  const first = record.difference.violations[0] ?? '';
  const fault = record.actual.fault;
  const notes: string[] = [];
  if (fault) {
    notes.push(record.confirmation === 'hang'
      ? `The reported variant never returns (${fault}): on such a kernel ${opName(p.op)} itself would not return, and the program would hang in it.`
      : `The reported variant breaks off (${fault}): on such a kernel ${opName(p.op)} would oops the host.`);
  }
  if (record.difference.warnings.length) notes.push(`The kernel log would show the WARN (${record.difference.warnings[0]}).`);
  if (record.property === 'mmu-bookkeeping') {
    notes.push(`The MMU bookkeeping is not visible in the data (${first}); a kvm->mmu_invalidate_in_progress left raised makes every later ` +
      'page fault of the VM retry forever, so a pass that faults after the operation would stop at its 10 s deadline ' +
      '("the guest\'s reads after ... did not finish": FAIL).');
  }
  if (record.property === 'no-redundant-unmap' && !bad.failed) {
    notes.push(`Unmapping the same gfns twice leaves the same state: a guest cannot see it (${first}).`);
  }
  if (!bad.failed) {
    return { lines: null, note: [`A guest cannot see this report's bug: on a kernel with it the program prints the same lines as on this one.`, ...notes].join(' ') };
  }
  const differ = bad.lines.filter((l, i) => l !== good[i]);
  if (differ.some((l) => /still reads/.test(l))) {
    notes.push('A stale mapping reads the freed page: its old content, unless the host has reused or cleared it.');
  } else {
    notes.push('A gfn unmapped for nothing faults back in to the same page and reads the same: only the counters show it.');
  }
  return { lines: differ, note: notes.join(' ') };
}

// ---- the program ----

const commentSafe = (s: string) => s.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *');
const cString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const u64 = (x: bigint) => `${x}ull`;
function offT(x: bigint): string {
  if (x === -(1n << 63n)) return 'INT64_MIN';
  return `(off_t)INT64_C(${x})`;
}
function modeExpr(mode: number): string {
  const name = modeName(mode);
  if (mode < 0 || /0x/.test(name) || name === '0') return `(${mode})`;
  return `(${name.split('|').join(' | ')})`;
}

function header(src: ReproSource, p: Plan, file: string): string[] {
  const { record, stem } = src;
  const out: string[] = [];
  const say = (s = '') => out.push(s ? ` * ${commentSafe(s)}` : ' *');
  out.push('/*');
  say(`${record.variant.name} fails ${record.property}: ${file}, as a self-checking program for the live kernel.`);
  say(`Generated by live/repro.ts; \`npm run check -- --report ${file} --live\` builds and runs it.`);
  say(`The report: ${record.difference.violations[0] ?? '(no violation recorded)'}.`);
  say();
  say(`The case: ${caseText(p.layout, p.op, p.runnable ? p.resolved : undefined)}.`);
  if (record.history?.length) say(`(The report's history, ${record.history.length} case(s) the variant ran first, does not matter to a kernel.)`);
  if (!p.runnable) {
    say();
    say(`It cannot run live: ${p.why}. The program says so and exits ${EXIT_SKIPPED}.`);
    out.push(' */');
    return out;
  }
  const unmaps = p.slots.filter((s) => s.unmap.length).map((s) => `slot ${s.slot.id} gfns ${s.unmap.map(show).join(' ')}`).join(', ') || 'nothing';
  say(`The reference (the record's "expected", from model/reference.ts): ${opName(p.op)} unmaps ${unmaps}.`);
  for (const i of p.ignored) say(`Not checked: ${i}.`);
  say();
  say('What it does: a VM (KVM_CREATE_VM, type 0) with one vCPU in 64-bit mode at CPL 3, identity-mapped;');
  say('KVM_CREATE_GUEST_MEMFD (MMAP | INIT_SHARED); each slot\'s file pages mapped on the host, page i');
  say(`written with 0x676d656d00000000 | (i + 1); each slot bound with KVM_SET_USER_MEMORY_REGION2 and`);
  say('KVM_MEM_GUEST_MEMFD (its userspace_addr in a PROT_NONE reservation: only guest_memfd maps');
  say('and unmaps its gfns); the guest reads every gfn (each must read its own file page);');
  say(p.op.kind === 'release'
    ? 'the release (the host mappings unmapped and the guest_memfd closed: the last reference);'
    : `the punch, ${formatOperation(p.op)};`);
  say(`the guest reads every gfn again: each gfn above must ${p.op.kind === 'release' ? 'exit to userspace (KVM_EXIT_MEMORY_FAULT or' : 'read 0, every other'}`);
  say(p.op.kind === 'release' ? 'KVM_EXIT_MMIO), every other gfn still read its page; and the VM\'s pages_4k must drop'
    : 'gfn still read its page; and the VM\'s pages_4k must drop by the number of gfns unmapped');
  say(p.op.kind === 'release' ? 'by the number of gfns unmapped (no fault brings them back).'
    : 'and the vCPU\'s pf_fixed grow by it in the second pass (an extra unmap shows only there).');
  say();
  say('Build and run (x86-64, Linux 6.8 or later, access to /dev/kvm):');
  say(`  gcc -O2 -Wall -Wextra -o repro ${path.basename(file, '.json')}.c && ./repro [--device /dev/kvm]`);
  say(`Exit status: 0 PASS, 1 FAIL, ${EXIT_SKIPPED} skipped (one line "skipped: <why>": no usable /dev/kvm, no`);
  say('KVM_CAP_GUEST_MEMFD or guest_memfd flags MMAP | INIT_SHARED, or no guest can run here).');
  say();
  say('On a kernel that invalidates as the reference says (upstream\'s since Linux 6.8) it prints:');
  for (const l of predict(p, stem, CORRECT).lines) say(`  ${l}`);
  say();
  const bug = withTheBug(src);
  if (bug.lines) {
    say(`On a kernel with the reported bug (${record.variant.name}: ${record.difference.violations[0] ?? record.property}) it would print:`);
    for (const l of bug.lines) say(`  ${l}`);
    if (bug.note) for (const l of wrap(bug.note)) say(l);
  } else {
    for (const l of wrap(bug.note)) say(l);
  }
  out.push(' */');
  return out;
}

function wrap(text: string, width = 92): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

/** The report's repro: one self-contained C program. `file` names the report as the comment shows it. */
export function reproProgram(src: ReproSource, file = `shrink-reports/${src.stem}.json`): { readonly source: string; readonly runnable: boolean; readonly why?: string } {
  const p = plan(src.record);
  const head = header(src, p, file);
  if (!p.runnable) {
    return {
      runnable: false, why: p.why,
      source: [
        ...head,
        '#include <stdio.h>',
        '',
        'int main(void)',
        '{',
        `\tprintf("skipped: %s\\n", ${cString(p.why)});`,
        `\treturn ${EXIT_SKIPPED};`,
        '}',
        '',
      ].join('\n'),
    };
  }
  const release = p.op.kind === 'release';
  const c: string[] = [];
  c.push('/* ---- the case ---- */', '');
  c.push('#include <linux/falloc.h>', '#include <sys/utsname.h>', '');
  c.push(`#define REPRO_NAME ${cString(src.stem)}`);
  c.push(`#define CASE_TEXT ${cString(caseText(p.layout, p.op, p.resolved))}`);
  c.push(`#define FILE_PAGES ${u64(p.layout.filePages)}`);
  c.push(`#define OP_RELEASE ${release ? 1 : 0}`);
  c.push(`#define OP_NAME ${cString(opName(p.op))}`);
  if (p.op.kind === 'punch') {
    const r = p.resolved;
    c.push(`#define PUNCH_MODE ${modeExpr(p.op.mode)}`);
    c.push(`#define MODEL_ERRNO ${r.kind === 'error' ? r.errno : 0}${r.kind === 'error' ? ` /* ${commentSafe(r.rule)} */` : ''}`);
    c.push(`#define MODEL_PUNCHES ${p.invalidates && (p.op.mode & FALLOC_FL_PUNCH_HOLE) ? 1 : 0}`);
  }
  c.push('');
  c.push('struct repro_slot {');
  c.push('\tuint32_t id;');
  c.push('\tuint64_t pgoff, npages, base_gfn; /* file pages [pgoff, pgoff + npages) back gfns [base_gfn, base_gfn + npages) */');
  c.push('};');
  c.push('');
  c.push('/* The memslots, in the order they are bound. */');
  c.push('static const struct repro_slot slots[] = {');
  for (const { slot: s } of p.slots) {
    c.push(`\t{ ${s.id}, ${u64(s.pgoff)}, ${u64(s.npages)}, ${u64(s.base_gfn)} }, /* slot ${s.id}: file pages [${s.pgoff}, ${s.pgoff + s.npages}) -> gfns [${s.base_gfn}, ${s.base_gfn + s.npages}) */`);
  }
  c.push('};');
  c.push('');
  c.push(`/* The gfns ${opName(p.op)} must unmap (the record's "expected"), by index into slots[]; ended by slot -1. */`);
  c.push('static const struct {');
  c.push('\tint slot;');
  c.push('\tuint64_t start, end;');
  c.push('} must_unmap[] = {');
  p.slots.forEach(({ slot: s, unmap }, i) => {
    for (const r of unmap) c.push(`\t{ ${i}, ${u64(r.start)}, ${u64(r.end)} }, /* slot ${s.id}: ${gfns(r.start, r.end)} */`);
  });
  c.push('\t{ -1, 0, 0 },');
  c.push('};');
  if (p.op.kind === 'punch') {
    c.push('');
    c.push(`/* ${commentSafe(formatOperation(p.op))}${p.resolved.kind === 'invalidate' ? `: file pages [${p.resolved.start}, ${p.resolved.end})` : ''}; returns 0 or its errno */`);
    c.push('static int punch(int gfd)');
    c.push('{');
    c.push(`\treturn fallocate(gfd, PUNCH_MODE, ${offT(p.op.offset)}, ${offT(p.op.len)}) ? errno : 0;`);
    c.push('}');
  }
  const banner = (name: string) => `/* ---- ${name} (carried whole: this file needs no other) ---- */`;
  return {
    runnable: true,
    source: [
      ...head,
      '',
      banner('live/guest.h: the guest, the VM, the set-up'),
      '',
      fs.readFileSync(GUEST_H, 'utf8').trimEnd(),
      '',
      ...c,
      '',
      banner('live/repro-main.h: the steps and the checks'),
      '',
      fs.readFileSync(REPRO_MAIN_H, 'utf8').trimEnd(),
      '',
    ].join('\n'),
  };
}

// ---- --report <json> --live ----

export interface RunReproOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Where lines go (default console.log). */
  readonly print?: (line: string) => void;
  /** How the report is named in the program's comment (default shrink-reports/<stem>.json). */
  readonly file?: string;
  /** A live kernel that cannot be used is a failure, not a skip (--require-live, GMEM_REQUIRE_KVM=1). */
  readonly required?: boolean;
}

export interface ReproRun {
  /** 0 PASS, 1 FAIL, EXIT_SKIPPED skipped, else what the program exited with. */
  readonly status: number;
  readonly stdout: string;
  readonly skipped?: string;
  readonly source?: string;
  readonly warnings?: string;
}

/**
 * The repro written under the live cache (named by its report and a hash of its text) and
 * compiled there with native/compile.ts's flags (-Wall -Wextra), cached like live/runner.c.
 * Throws GccNotFoundError or CCompileError.
 */
export function compileRepro(src: ReproSource, opts: Pick<RunReproOptions, 'env' | 'file'> = {}): { readonly file: string; readonly program: import('./kernel').Program } {
  const env = opts.env ?? process.env;
  const kernel = require('./kernel') as typeof import('./kernel');
  const { source } = reproProgram(src, opts.file);
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = path.join(kernel.cacheDir(env), 'repro');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${src.stem}-${hash}.c`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, source);
    fs.renameSync(tmp, file);
  }
  return { file, program: kernel.compileProgram(file, env) };
}

/**
 * The repro built (compileRepro) and run on this machine's
 * /dev/kvm (or GMEM_KVM_DEVICE). Without the device, or without gcc, it is skipped with a reason.
 * Throws for a program that does not compile, or that dies.
 */
export function buildAndRun(src: ReproSource, opts: RunReproOptions = {}): ReproRun {
  const env = opts.env ?? process.env;
  // live/kernel.ts and native/ are loaded only to build: the report pages use the rest of this file
  const kernel = require('./kernel') as typeof import('./kernel');
  const compile = require('../native/compile') as typeof import('../native/compile');
  // a bind request has no program whatever the machine: say why, not what the machine lacks
  const p = plan(src.record);
  if (!p.runnable && p.op.kind === 'bind') return { status: EXIT_SKIPPED, stdout: '', skipped: p.why };
  // the probe first: one reason for a machine that cannot run cases, with its cause (live/kernel-build.ts)
  const usable = kernel.liveKvm(env);
  if (!usable.ok) return { status: EXIT_SKIPPED, stdout: '', skipped: usable.why };
  const device = kernel.kvmDevice(env);
  let file: string, built: import('./kernel').Program;
  try {
    ({ file, program: built } = compileRepro(src, opts));
  } catch (e) {
    if (e instanceof compile.GccNotFoundError) return { status: EXIT_SKIPPED, stdout: '', skipped: `no C compiler to build the repro (${e.gcc})` };
    throw e;
  }
  const r = spawnSync(built.binary, ['--device', device], { encoding: 'utf8', timeout: 120_000, env });
  if (r.error) throw new Error(`the repro ${file} did not run: ${r.error.message}`);
  if (r.signal) throw new Error(`the repro ${file} died of ${r.signal}:\n${r.stdout}${r.stderr}`);
  const stdout = r.stdout ?? '';
  const status = r.status ?? 2;
  const skipped = status === EXIT_SKIPPED ? (/^skipped: (.*)$/m.exec(stdout)?.[1] ?? 'the program gave no reason') : undefined;
  return { status, stdout, source: file, warnings: built.warnings, ...(skipped !== undefined ? { skipped } : {}) };
}

/**
 * `npm run check -- --report <json> --live`: prints where the program is, its output and the
 * verdict; returns the program's status (0 PASS, 1 FAIL). A machine without a usable KVM prints
 * one line, "live: skipped: <why>", and returns 0; 2 when a live kernel is `required`.
 */
export function runRepro(src: ReproSource, opts: RunReproOptions = {}): number {
  const print = opts.print ?? ((l: string) => console.log(l));
  const run = buildAndRun(src, opts);
  if (run.skipped !== undefined) {
    if (opts.required) {
      const kernel = require('./kernel') as typeof import('./kernel');
      console.error(`live: ${kernel.requiredButUnusable(run.skipped)}`);
      return 2;
    }
    print(`live: skipped: ${run.skipped}`);
    return 0;
  }
  print(`live: ${run.source}`);
  if (run.warnings?.trim()) console.error(`gcc warnings for ${run.source}:\n${run.warnings.trimEnd()}`);
  for (const l of run.stdout.trimEnd().split('\n')) print(l);
  if (run.status === 0 || run.status === 1) {
    print(`live: ${run.status === 0 ? 'PASS' : 'FAIL'} (exit ${run.status})`);
    return run.status;
  }
  throw new Error(`the repro ${run.source} exited ${run.status}`);
}
