// npm run kvm: the model held against the live kernel, case by case. Each generated case
// (properties/live-arbitraries.ts) runs for real (live/runner.c: a VM, a guest_memfd, its
// binds, a guest that reads every bound gfn, the punch or release, the guest again) and its
// answers are compared with the model's:
//
// - errnos: KVM_CREATE_GUEST_MEMFD with model/layout.ts createGmem(), each
//   KVM_SET_USER_MEMORY_REGION2 with bind() (slot by slot; a refused slot does not exist on
//   either side), fallocate with model/callers.ts resolve();
// - data: before the operation every gfn reads its own file page (index p + gfn - b); after it,
//   every gfn model/reference.ts expectedUnmaps() names reads zero after a punch, or exits to
//   userspace after a release, and every other gfn still reads its page;
// - counters (KVM_GET_STATS_FD): the 4K mappings the operation removed (the VM's pages_4k drop)
//   and the faults the second pass fixed (the vCPU's pf_fixed) equal the number of gfns the
//   reference unmaps: a gfn unmapped for nothing reads the same page again, so only these show
//   an extra unmap; and the operation requests a remote TLB flush iff the reference unmaps
//   something (remote_tlb_flush_requests).
//
// A disagreement is shrunk by fast-check over the live generator (each shrink step runs on the
// kernel), printed with the model's and the kernel's answers, and saved as JSON under --out.

import fc from 'fast-check';
import crypto from 'crypto';
import os from 'os';
import path from 'path';
import { parseArgs as utilParseArgs } from 'util';
import { Resolved, resolve } from '../model/callers';
import { Errno, KernelError } from '../model/errno';
import { Layout, PAGE_SHIFT, bind, createGmem } from '../model/layout';
import { Range } from '../model/ranges';
import { expectedUnmaps } from '../model/reference';
import { WORD64, decHex } from '../model/word';
import { Case } from '../properties/case';
import { formatOperation } from '../properties/format';
import { liveCaseArb } from '../properties/live-arbitraries';
import { Progress } from '../properties/command/progress';
import { Counter, ERRNO, GfnRead, LiveResult, caseLine, errnoName, kvmDevice, liveKvm, liveRequired, requiredButUnusable, runLive } from './kernel';
import { kernelBuild } from './kernel-build';
import { RESULTS_FILE, recordRun } from './results';
import { caseRecord } from '../properties/reports/record';
import { RUNS, SEED, readInt } from '../properties/engine/settings';
import { WriteError, makeFolder, writeAllAtomic } from '../properties/reports/store';
import { optionsFromEnv } from '../properties/engine/engine';
import { pathRules, usageOf } from '../properties/command/args';

// ---- the model's answers ----

export interface LiveModel {
  /** null: the call succeeds. */
  readonly gmem: Errno | null;
  /** One per slot of the case, with the rule that refused it. */
  readonly binds: ReadonlyArray<{ readonly errno: Errno; readonly rule: string } | null>;
  /** The slots accepted, as bound (absent when the file could not be created). */
  readonly layout?: Layout;
  readonly resolved?: Resolved;
  /** The gfns each accepted slot must lose, by slot id. */
  readonly unmaps: ReadonlyMap<number, Range>;
}

/** The model's answer to a live case: createGmem, then bind() slot by slot, then the caller and the reference. */
export function modelOf(c: Case): LiveModel {
  let layout: Layout;
  try {
    layout = createGmem(c.layout.filePages << PAGE_SHIFT);
  } catch (e) {
    if (e instanceof KernelError) return { gmem: e.errno, binds: [], unmaps: new Map() };
    throw e;
  }
  const binds = c.layout.slots.map((s) => {
    try {
      layout = bind(layout, { slot: s.id, guest_phys_addr: s.base_gfn << PAGE_SHIFT, memory_size: s.npages << PAGE_SHIFT, guest_memfd_offset: s.pgoff << PAGE_SHIFT });
      return null;
    } catch (e) {
      if (e instanceof KernelError) return { errno: e.errno, rule: e.rule };
      throw e;
    }
  });
  const resolved = resolve(layout, c.op, WORD64);
  const unmaps = new Map<number, Range>();
  if (resolved.kind === 'invalidate') for (const u of expectedUnmaps(layout, resolved.start, resolved.end)) unmaps.set(u.slot.id, u.gfns);
  return { gmem: null, binds, layout, resolved, unmaps };
}

// ---- comparison ----

/** The live run broke (not the kernel disagreeing): a timeout, a crash, an unexpected exit. */
export class LiveHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveHarnessError';
  }
}

export interface CompareOptions {
  /** Compare the counters too (default true). */
  readonly counters?: boolean;
}

const errnoOf = (e: Errno | null): number => (e === null ? 0 : ERRNO[e]);
const answer = (n: number | undefined): string => (n === undefined ? 'not reached' : n === 0 ? '0' : `-${errnoName(n)}`);
const modelAnswer = (e: Errno | null, rule?: string): string => (e === null ? '0' : `-${e}${rule ? ` (${rule})` : ''}`);

function describeRead(r: GfnRead): string {
  switch (r.kind) {
    case 'page': return `file page ${r.index}`;
    case 'zero': return 'zero';
    case 'fault': return 'KVM_EXIT_MEMORY_FAULT';
    case 'mmio': return 'KVM_EXIT_MMIO';
    case 'other': return `0x${r.value.toString(16)}`;
    case 'unread': return 'nothing (the guest never stored it)';
  }
}

/** What a gfn must read: its file page, zero after a punch, no access (an exit) after a release. */
type Want = { readonly kind: 'page'; readonly index: bigint } | { readonly kind: 'zero' } | { readonly kind: 'gone' };

function satisfies(r: GfnRead, w: Want): boolean {
  if (w.kind === 'page') return r.kind === 'page' && r.index === w.index;
  if (w.kind === 'zero') return r.kind === 'zero';
  return r.kind === 'fault' || r.kind === 'mmio';
}

const describeWant = (w: Want): string =>
  w.kind === 'page' ? `file page ${w.index}` : w.kind === 'zero' ? 'zero' : 'an exit (no access)';

/** Mismatching gfns of one slot and pass, grouped into runs of the same kind: at most 4 lines. */
function readMismatches(slot: number, when: string, base: bigint, reads: readonly GfnRead[], want: (k: number) => Want): string[] {
  const out: string[] = [];
  let start = -1, got = '', wanted = '';
  const flush = (end: number) => {
    if (start < 0) return;
    out.push(`slot ${slot} ${when}: gfns [${decHex(base + BigInt(start))}, ${decHex(base + BigInt(end))}) read ${got}, expected ${wanted}`);
    start = -1;
  };
  reads.forEach((r, k) => {
    const w = want(k);
    if (satisfies(r, w)) { flush(k); return; }
    const g = r.kind === 'page' ? 'file pages (kept)' : describeRead(r), x = w.kind === 'page' ? 'their own file pages' : describeWant(w);
    if (start >= 0 && (g !== got || x !== wanted)) flush(k);
    if (start < 0) { start = k; got = g; wanted = x; }
  });
  flush(reads.length);
  return out.length > 4 ? [...out.slice(0, 4), `slot ${slot} ${when}: ... and ${out.length - 4} more runs`] : out;
}

const delta = (c: Counter | undefined, from: 0 | 1, to: 1 | 2): number | undefined =>
  c === undefined ? undefined : c[to] - c[from];

/** The KVM statistics compareLive() holds against the reference; one a kernel does not report is not compared (and `npm run kvm` says so). */
export const COMPARED_COUNTERS = ['pages_4k', 'pf_fixed', 'remote_tlb_flush_requests'] as const;

/**
 * The disagreements between the live kernel and the model on one case, as lines for people;
 * empty when they agree. Throws LiveHarnessError when the live run itself broke.
 */
export function compareLive(c: Case, r: LiveResult, opts: CompareOptions = {}): string[] {
  if (r.kind === 'skipped') return [];
  if (r.kind === 'error') throw new LiveHarnessError(r.why);
  if (r.vm !== 0) throw new LiveHarnessError(`KVM_CREATE_VM failed: -${errnoName(r.vm)}`);
  const m = modelOf(c);
  const out: string[] = [];
  if ((r.gmem ?? -1) !== errnoOf(m.gmem)) {
    out.push(`KVM_CREATE_GUEST_MEMFD of ${decHex(c.layout.filePages)} pages: kernel ${answer(r.gmem)}, model ${modelAnswer(m.gmem)}`);
  }
  if (r.gmem !== 0 || m.gmem !== null) return out;
  let layoutsDiffer = false;
  c.layout.slots.forEach((s, i) => {
    const k = r.binds?.[i], mb = m.binds[i];
    if (k !== errnoOf(mb?.errno ?? null)) {
      layoutsDiffer = true;
      out.push(`slot ${s.id} (pgoff ${decHex(s.pgoff)}, npages ${decHex(s.npages)}, base_gfn ${decHex(s.base_gfn)}): ` +
        `KVM_SET_USER_MEMORY_REGION2: kernel ${answer(k)}, model ${modelAnswer(mb?.errno ?? null, mb?.rule)}`);
    }
  });
  const res = m.resolved!;
  if (c.op.kind === 'punch') {
    const want = res.kind === 'error' ? res.errno : null;
    if (r.op?.errno !== errnoOf(want)) {
      out.push(`${formatOperation(c.op)}: kernel ${answer(r.op?.errno)}, model ${modelAnswer(want, res.kind === 'error' ? res.rule : undefined)}`);
    }
  }
  if (layoutsDiffer || out.length) return out; // the data of different layouts says nothing more
  const release = c.op.kind === 'release';
  const accepted = m.layout!.slots;
  if ((r.slots?.length ?? 0) !== accepted.length) throw new LiveHarnessError(`the runner read ${r.slots?.length ?? 0} slots, ${accepted.length} are bound`);
  let zaps = 0n;
  accepted.forEach((s, i) => {
    const live = r.slots![i];
    const u = m.unmaps.get(s.id);
    if (u) zaps += u.end - u.start;
    const page = (k: number): Want => ({ kind: 'page', index: s.pgoff + BigInt(k) });
    out.push(...readMismatches(s.id, 'before the operation', s.base_gfn, live.before, page));
    out.push(...readMismatches(s.id, `after the ${release ? 'release' : 'punch'}`, s.base_gfn, live.after, (k) => {
      const g = s.base_gfn + BigInt(k);
      if (u && u.start <= g && g < u.end) return release ? { kind: 'gone' } : { kind: 'zero' };
      return page(k);
    }));
  });
  if (opts.counters ?? true) {
    const st = r.stats ?? {};
    const dropped = delta(st.pages_4k, 0, 1);
    const refaulted = delta(st.pf_fixed, 1, 2);
    if (dropped !== undefined && BigInt(-dropped) !== zaps) {
      out.push(`counters: the operation removed ${-dropped} 4K mappings (pages_4k ${st.pages_4k![0]} -> ${st.pages_4k![1]}); the reference unmaps ${zaps} gfns`);
    }
    // one flush request per invalidation that unmapped something (upstream flushes once after
    // its loop); a long zap may flush again when it yields, so "at least one", and none without work
    const flushes = delta(st.remote_tlb_flush_requests, 0, 1);
    if (flushes !== undefined && (zaps > 0n ? flushes < 1 : flushes !== 0)) {
      out.push(`counters: the operation made ${flushes} remote TLB flush requests (remote_tlb_flush_requests ` +
        `${st.remote_tlb_flush_requests![0]} -> ${st.remote_tlb_flush_requests![1]}); expected ${zaps > 0n ? 'at least one: the reference unmaps gfns' : 'none: the reference unmaps nothing'}`);
    }
    const wantRefaults = release ? 0n : zaps;
    if (refaulted !== undefined && BigInt(refaulted) !== wantRefaults) {
      out.push(`counters: the second pass fixed ${refaulted} page faults (pf_fixed ${st.pf_fixed![1]} -> ${st.pf_fixed![2]}); ` +
        `expected ${wantRefaults} (${release ? 'after a release no fault is fixed' : 'one per gfn the reference unmaps'})`);
    }
  }
  return out;
}

// ---- printing and saving a disagreement ----

const str = (x: bigint) => x.toString();

function modelJson(m: LiveModel) {
  const r = m.resolved;
  return {
    gmem: m.gmem ?? 0,
    binds: m.binds.map((b) => (b ? { errno: b.errno, rule: b.rule } : 0)),
    op: r === undefined ? null : r.kind === 'error' ? { errno: r.errno, rule: r.rule } : r.kind === 'invalidate' ? { invalidate: [str(r.start), str(r.end)] } : { [r.kind]: true },
    unmaps: [...m.unmaps].map(([slot, g]) => ({ slot, start: str(g.start), end: str(g.end) })),
  };
}

/** The case, the model's answers and the kernel's, for people. */
export function formatLiveCase(c: Case, r: LiveResult | undefined): string {
  const m = modelOf(c);
  const lines = [`guest_memfd of ${decHex(c.layout.filePages)} pages (KVM_CREATE_GUEST_MEMFD, MMAP|INIT_SHARED): ` +
    `model ${modelAnswer(m.gmem)}, kernel ${r?.kind === 'ran' ? answer(r.gmem) : '?'}`];
  c.layout.slots.forEach((s, i) => {
    const mb = m.binds[i];
    lines.push(`  slot ${s.id}: pgoff ${decHex(s.pgoff)}, npages ${decHex(s.npages)}, base_gfn ${decHex(s.base_gfn)}` +
      `  (file [${decHex(s.pgoff)}, ${decHex(s.pgoff + s.npages)}) -> gfns [${decHex(s.base_gfn)}, ${decHex(s.base_gfn + s.npages)}))` +
      `  bind: model ${modelAnswer(mb?.errno ?? null)}, kernel ${r?.kind === 'ran' ? answer(r.binds?.[i]) : '?'}`);
  });
  const res = m.resolved;
  const said = res === undefined ? 'not reached' : res.kind === 'error' ? `-${res.errno} (${res.rule})` : res.kind === 'invalidate' ? `0, invalidate [${decHex(res.start)}, ${decHex(res.end)})` : `0, ${res.kind === 'bind' ? 'a bind request' : 'allocation'}, no invalidation`;
  lines.push(`caller: ${formatOperation(c.op)}: model ${said}, kernel ${r?.kind === 'ran' ? answer(r.op?.errno) : '?'}`);
  const u = [...m.unmaps].map(([id, g]) => `slot ${id} gfns [${decHex(g.start)}, ${decHex(g.end)})`);
  lines.push(`reference unmaps: ${u.join(', ') || 'nothing'}`);
  return lines.join('\n');
}

export function saveDisagreement(dir: string, c: Case, r: LiveResult | undefined, found: readonly string[], how: object): string {
  const text = caseLine('x', c);
  const stem = `live--${crypto.createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  const record = {
    format: 'gmem-live-disagreement/1',
    kernel: `${os.type()} ${os.release()}`,
    device: kvmDevice(),
    case: caseRecord(c),
    model: modelJson(modelOf(c)),
    live: r?.kind === 'ran' ? JSON.parse(r.line) : r,
    disagreements: found,
    found: how,
  };
  makeFolder(dir);
  const file = path.join(dir, `${stem}.json`);
  // both or neither, the record last, as the other reports: a reader never sees a record without its page
  writeAllAtomic([[path.join(dir, `${stem}.md`), disagreementPage(stem, c, r, found, record.kernel)], [file, `${JSON.stringify(record, null, 2)}\n`]]);
  return file;
}

/** The page of a model-vs-kernel report: who said what, on which case, and how to run it again. */
function disagreementPage(stem: string, c: Case, r: LiveResult | undefined, found: readonly string[], kernel: string): string {
  return [
    `# The live kernel and the model disagree (${stem})`,
    '',
    `On ${kernel} (\`${kvmDevice()}\`), this case gives another answer than \`model/\`:`,
    '',
    ...found.map((f) => `- ${f}`),
    '',
    '## The case, and both answers',
    '',
    '```',
    formatLiveCase(c, r),
    '```',
    '',
    'Either the model encodes a rule the kernel does not have (fix the model, citing the kernel function) or the kernel ' +
      'does what KERNEL-FACTS says it should not (a finding: see `findings/`). The JSON beside this page holds the case, ' +
      'both answers and the kernel\'s raw reply; `npm run kvm` with the seed and path it records replays it.',
    '',
  ].join('\n');
}

// ---- the run ----

export interface ConformanceOptions {
  readonly runs: number;
  readonly seed: number;
  /** Replay fast-check's path (printed with a disagreement). */
  readonly path?: string;
  /** Where a disagreement is saved; none: not saved. */
  readonly out?: string;
  readonly counters?: boolean;
  readonly hva?: 'none' | 'mmap';
  readonly progress?: boolean;
}

export interface CounterMovement {
  /** Cases in which the counter changed across the operation, and during the second pass. */
  readonly acrossOp: number;
  readonly secondPass: number;
}

export interface ConformanceSummary {
  readonly skipped?: string;
  readonly cases: number;
  readonly agreements: number;
  readonly disagreements: number;
  readonly seconds: number;
  readonly counters: Readonly<Record<string, CounterMovement>>;
  /** What the generated cases held: invalid binds, errors of the caller, releases, multi-chunk bindings. */
  readonly coverage: Readonly<Record<string, number>>;
  /** The disagreements by kind (numbers left out), with how many cases and one example each. */
  readonly kinds: ReadonlyArray<{ readonly kind: string; readonly cases: number; readonly example: string }>;
  readonly shrunk?: {
    readonly case: Case;
    readonly result: LiveResult;
    readonly found: readonly string[];
    readonly harnessError?: string;
    readonly file?: string;
    readonly path: string;
    readonly numShrinks: number;
  };
}

interface Verdict {
  readonly found: readonly string[];
  readonly harness?: string;
}

function judge(c: Case, r: LiveResult, counters: boolean): Verdict {
  try {
    return { found: compareLive(c, r, { counters }) };
  } catch (e) {
    if (e instanceof LiveHarnessError) return { found: [], harness: e.message };
    throw e;
  }
}

function cover(c: Case, into: Record<string, number>): void {
  const m = modelOf(c);
  const add = (k: string) => { into[k] = (into[k] ?? 0) + 1; };
  if (m.binds.some((b) => b?.errno === 'EINVAL')) add('a bind refused with -EINVAL');
  if (m.binds.some((b) => b?.errno === 'EEXIST')) add('a bind refused with -EEXIST');
  if (m.resolved?.kind === 'error') add(`fallocate refused (-${m.resolved.errno})`);
  if (m.resolved?.kind === 'allocate') add('fallocate allocating (KEEP_SIZE only)');
  if (c.op.kind === 'release') add('release');
  if (c.layout.slots.length >= 4) add('4 to 6 slots');
  if (m.layout?.slots.some((s) => s.pgoff >> 6n !== (s.pgoff + s.npages - 1n) >> 6n)) add('a binding crossing a multiple of 64');
  if (m.layout?.slots.some((s) => s.pgoff >> 12n !== (s.pgoff + s.npages - 1n) >> 12n)) add('a binding crossing a multiple of 4096');
  if (m.resolved?.kind === 'invalidate' && c.op.kind === 'punch' && m.resolved.end > c.layout.filePages) add('a punch past the end of the file');
  if ([...m.unmaps.values()].length >= 2) add('a punch or release unmapping 2 or more slots');
}

export function runConformance(opts: ConformanceOptions): ConformanceSummary {
  const counters = opts.counters ?? true;
  const started = Date.now();
  const avail = liveKvm();
  if (!avail.ok) return { skipped: avail.why, cases: 0, agreements: 0, disagreements: 0, seconds: 0, counters: {}, coverage: {}, kinds: [] };

  const verdicts = new Map<string, Verdict>();
  const key = (c: Case) => caseLine('k', c);
  const movement: Record<string, { acrossOp: number; secondPass: number }> = {};
  const coverage: Record<string, number> = {};
  const kinds = new Map<string, { kind: string; cases: number; example: string }>();
  let agreements = 0, disagreements = 0;

  // every case fc.check() will generate for this seed (fc.sample gives the same ones), in batches
  const cases = opts.path ? [] : fc.sample(liveCaseArb, { seed: opts.seed, numRuns: opts.runs });
  const progress = new Progress(cases.length, opts.progress ?? Boolean(process.stderr.isTTY));
  const BATCH = 50;
  for (let at = 0; at < cases.length; at += BATCH) {
    const batch = cases.slice(at, at + BATCH);
    const results = runLive(batch, { hva: opts.hva });
    batch.forEach((c, i) => {
      const r = results[i];
      const v = judge(c, r, counters);
      verdicts.set(key(c), v);
      cover(c, coverage);
      if (v.found.length || v.harness) {
        disagreements++;
        const first = v.harness ? `harness error: ${v.harness}` : v.found[0];
        const kind = first.replace(/ \((?:-?0x[0-9a-f]+)\)/g, '').replace(/\d+/g, 'N');
        const k = kinds.get(kind) ?? { kind, cases: 0, example: first };
        k.cases++;
        kinds.set(kind, k);
      } else agreements++;
      if (r.kind === 'ran' && r.stats) {
        for (const [name, s] of Object.entries(r.stats)) {
          const mv = (movement[name] ??= { acrossOp: 0, secondPass: 0 });
          if (s[1] !== s[0]) mv.acrossOp++;
          if (s[2] !== s[1]) mv.secondPass++;
        }
      }
      progress.tick();
    });
  }
  progress.finish();
  const seconds = (Date.now() - started) / 1000;
  let base: ConformanceSummary = {
    cases: cases.length, agreements, disagreements, seconds, counters: movement, coverage,
    kinds: [...kinds.values()].sort((a, b) => b.cases - a.cases),
  };
  if (disagreements === 0 && !opts.path) return base;

  // shrink: fast-check over the same generator, each new case run on the kernel
  let last: { c: Case; r: LiveResult } | undefined;
  const verdictOf = (c: Case): Verdict => {
    const k = key(c);
    let v = verdicts.get(k);
    if (!v) {
      const [r] = runLive([c], { hva: opts.hva });
      v = judge(c, r, counters);
      verdicts.set(k, v);
      last = { c, r };
    }
    return v;
  };
  const details = fc.check(fc.property(liveCaseArb, (c) => {
    const v = verdictOf(c);
    return v.found.length === 0 && v.harness === undefined;
  }), { seed: opts.seed, numRuns: opts.runs, path: opts.path });
  if (opts.path) {
    // a replay: the cases are those of the path, run one by one on the kernel
    const failed = details.failed ? 1 : 0;
    base = { ...base, cases: details.numRuns, agreements: details.numRuns - failed, disagreements: failed, seconds: (Date.now() - started) / 1000 };
  }
  if (!details.failed) return base;
  const shrunkCase = details.counterexample![0];
  const again = last && key(last.c) === key(shrunkCase) ? last.r : runLive([shrunkCase], { hva: opts.hva })[0];
  const v = judge(shrunkCase, again, counters);
  const how = { seed: opts.seed, path: details.counterexamplePath, runs: opts.runs, numShrinks: details.numShrinks, hva: opts.hva ?? 'none', counters };
  const file = opts.out && (v.found.length || v.harness)
    ? saveDisagreement(opts.out, shrunkCase, again, v.harness ? [`harness error: ${v.harness}`] : v.found, how)
    : undefined;
  return {
    ...base,
    shrunk: { case: shrunkCase, result: again, found: v.found, harnessError: v.harness, file, path: details.counterexamplePath ?? '', numShrinks: details.numShrinks },
  };
}

// ---- the command ----

/** The cases of a run when neither --runs nor FC_NUM_RUNS names a number (live/README.md's figures are of this many). */
export const LIVE_NUM_RUNS = 2000;

export const HELP = `Hold the model against the live kernel: generated cases run on /dev/kvm and compared.

usage: npm run kvm -- [options]

  --runs N       cases (default FC_NUM_RUNS or ${LIVE_NUM_RUNS})
  --seed S       fast-check seed (default FC_SEED or random); printed
  --path P       replay fast-check's path P (like 0:1:3, printed with a disagreement) of the
                 seed --seed or FC_SEED names
  --out DIR      where a disagreement is saved, a page and its JSON (default shrink-reports/live/)
  --no-counters  compare errnos and data only, not the KVM statistics
  --hva H        userspace_addr of the guest_memfd slots: none (default, a PROT_NONE
                 reservation) or mmap (the host mapping of the file: the shadow MMU then
                 prefetches through it and the MMU notifier also zaps on a punch)
  --require-live fail (exit 2) instead of skipping when the live kernel cannot be used
                 (also GMEM_REQUIRE_KVM=1), for a CI whose machines have KVM with guest_memfd
  --record FILE  where the run's row goes (default live/RESULTS.md: kernel, config, seed, cases)
  -h, --help     this text

GMEM_KVM_DEVICE names another device than /dev/kvm. Without a usable one the command prints
one line, "kvm: skipped: <why>", and exits 0 (2 when the live kernel is required).
exit status: 0 the kernel and the model agree on every case (or skipped); 1 a disagreement
(shrunk, printed, saved); 2 the command line or the live run itself broke, or a required live
kernel cannot be used.`;

export interface CliArgs {
  runs: number;
  seed: number;
  path?: string;
  out: string;
  counters: boolean;
  hva: 'none' | 'mmap';
  /** A skip is a failure (--require-live, GMEM_REQUIRE_KVM=1). */
  requireLive: boolean;
  /** Where the run's row is written. */
  record: string;
  help: boolean;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  let o;
  try {
    o = utilParseArgs({
      args: [...argv],
      options: {
        runs: { type: 'string' }, seed: { type: 'string' }, path: { type: 'string' }, out: { type: 'string' },
        'no-counters': { type: 'boolean' }, hva: { type: 'string' }, 'require-live': { type: 'boolean' }, record: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw usageOf(e);
  }
  // FC_NUM_RUNS and FC_SEED under the check's rules, a bad one refused even beside its flag
  const fromEnv = optionsFromEnv(env, LIVE_NUM_RUNS);
  if (o.path !== undefined) pathRules(o.path, o.seed !== undefined || Boolean(env.FC_SEED));
  const hva = o.hva ?? 'none';
  if (hva !== 'none' && hva !== 'mmap') throw new Error('--hva takes none or mmap');
  return {
    runs: o.runs === undefined ? fromEnv.numRuns : readInt('--runs', o.runs, RUNS),
    seed: o.seed === undefined ? fromEnv.seed : readInt('--seed', o.seed, SEED),
    ...(o.path !== undefined ? { path: o.path } : {}),
    out: o.out !== undefined ? path.resolve(o.out) : path.join(__dirname, '..', 'shrink-reports', 'live'),
    counters: !o['no-counters'],
    hva,
    // the environment's switch is held to 1 or 0 even when the flag is given
    requireLive: liveRequired(env) || (o['require-live'] ?? false),
    record: o.record !== undefined ? path.resolve(o.record) : RESULTS_FILE,
    help: o.help ?? false,
  };
}

export function main(argv: readonly string[] = process.argv.slice(2)): number {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (e) {
    console.error(`kvm: ${(e as Error).message}`);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const s = runConformance({ runs: args.runs, seed: args.seed, path: args.path, out: args.out, counters: args.counters, hva: args.hva });
  const outcome = s.skipped !== undefined ? (args.requireLive ? `required, unusable: ${s.skipped}` : `skipped: ${s.skipped}`)
    : s.disagreements ? 'disagrees' : 'agrees';
  // a row not recorded (a full disk) is said after what the run found, and the run is broken (exit 2), as a report not saved is
  let notRecorded: string | undefined;
  try {
    recordRun(args.record, { date: new Date(), build: kernelBuild(), device: kvmDevice(), seed: args.seed, cases: s.cases, agreements: s.agreements, disagreements: s.disagreements, outcome });
  } catch (e) {
    if (!(e instanceof WriteError) && !(e as NodeJS.ErrnoException).code) throw e;
    notRecorded = `kvm: broken: the run's row was not recorded in ${args.record}: ${(e as Error).message}`;
  }
  const code = told(args, s);
  if (notRecorded === undefined) return code;
  console.error(notRecorded);
  return 2;
}

/** What the run found, on the console; its exit status. */
function told(args: CliArgs, s: ReturnType<typeof runConformance>): number {
  if (s.skipped !== undefined) {
    if (args.requireLive) {
      console.error(`kvm: ${requiredButUnusable(s.skipped)}`);
      return 2;
    }
    console.log(`kvm: skipped: ${s.skipped}`);
    return 0;
  }
  const rate = s.seconds > 0 ? Math.round(s.cases / s.seconds) : s.cases;
  console.log(`kvm: ${kvmDevice()} on ${os.type()} ${os.release()}, seed ${args.seed}, userspace_addr ${args.hva === 'none' ? 'PROT_NONE' : 'host mmap'}${args.counters ? '' : ', counters not compared'}`);
  console.log(`kvm: ${s.cases} cases, ${s.agreements} agreements, ${s.disagreements} disagreements, ${s.seconds.toFixed(1)} s (${rate} cases/s)`);
  const cov = Object.entries(s.coverage).map(([k, n]) => `${k} ${n}`).join('; ');
  if (cov) console.log(`kvm: the cases held: ${cov}`);
  const moved = Object.entries(s.counters).filter(([, m]) => m.acrossOp || m.secondPass)
    .map(([k, m]) => `${k} ${m.acrossOp}/${m.secondPass}`).join(', ');
  const still = Object.entries(s.counters).filter(([, m]) => !m.acrossOp && !m.secondPass).map(([k]) => k).join(', ');
  if (moved || still) console.log(`kvm: counters that moved (cases: across the operation / in the second pass): ${moved || 'none'}; never moved: ${still || 'none'}`);
  const absent = COMPARED_COUNTERS.filter((k) => !(k in s.counters));
  if (args.counters && s.cases > 0 && absent.length) console.log(`kvm: not compared, this kernel does not report them: ${absent.join(', ')}`);
  if (s.kinds.length) {
    console.log(`kvm: the disagreements, by kind (${s.kinds.length}):`);
    for (const k of s.kinds.slice(0, 8)) console.log(`  ${k.cases} cases like: ${k.example}`);
  }
  if (!s.shrunk) {
    if (s.disagreements) { console.log('kvm: a disagreement did not reproduce when fast-check ran again'); return 1; }
    return 0;
  }
  const sh = s.shrunk;
  console.log('');
  console.log(sh.harnessError ? `kvm: the live run broke on this case: ${sh.harnessError}` : 'kvm: the live kernel and the model disagree (shrunk case):');
  for (const f of sh.found) console.log(`  - ${f}`);
  console.log(formatLiveCase(sh.case, sh.result));
  console.log(`replay: npm run kvm -- --seed=${args.seed} --path ${sh.path} (then ${sh.numShrinks} shrinks)`);
  if (sh.file) console.log(`saved: ${path.relative(process.cwd(), sh.file)}`);
  return sh.harnessError ? 2 : 1;
}

if (require.main === module) process.exitCode = main();
