// Counterexamples and verdicts printed for people: decimal with hex beside it, one line per
// slot, the caller as the syscall userspace made, and what was expected against what happened.

import {
  FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_KEEP_SIZE, FALLOC_FL_NO_HIDE_STALE,
  FALLOC_FL_PUNCH_HOLE, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_ZERO_RANGE, Operation,
} from '../model/callers';
import { BindRequest } from '../model/callers';
import { returnText } from '../model/errno';
import { Range } from '../model/ranges';
import { Refusal } from '../model/rules';
import { decHex } from '../model/word';
import { viewsOf } from '../model/layout';
import { diff } from './diff';
import { faultText } from './properties';
import { BindAnswer, Outcome } from './engine/execute';
import { Verdict } from './engine/engine';

const FLAG_NAMES: Array<[number, string]> = [
  [FALLOC_FL_KEEP_SIZE, 'KEEP_SIZE'], [FALLOC_FL_PUNCH_HOLE, 'PUNCH_HOLE'], [FALLOC_FL_NO_HIDE_STALE, 'NO_HIDE_STALE'],
  [FALLOC_FL_COLLAPSE_RANGE, 'COLLAPSE_RANGE'], [FALLOC_FL_ZERO_RANGE, 'ZERO_RANGE'], [FALLOC_FL_INSERT_RANGE, 'INSERT_RANGE'],
  [FALLOC_FL_UNSHARE_RANGE, 'UNSHARE_RANGE'],
];

export function modeName(mode: number): string {
  const names = FLAG_NAMES.filter(([bit]) => mode & bit).map(([, n]) => `FALLOC_FL_${n}`);
  const rest = mode & ~FLAG_NAMES.reduce((m, [bit]) => m | bit, 0);
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.join('|') || '0';
}

const range = (r: Range) => `[${decHex(r.start)}, ${decHex(r.end)})`;

/** `views`: how many views the file has; with several, a release names the one it closes. */
export function formatOperation(op: Operation, views = 1): string {
  switch (op.kind) {
    case 'punch': return `fallocate(fd, ${modeName(op.mode)}, offset ${decHex(op.offset)}, len ${decHex(op.len)})`;
    case 'release': return views > 1 || op.view ? `release of view ${op.view ?? 0}'s file (its last reference dropped; the other views' files stay open)` : 'release of the file (last reference dropped)';
    case 'memory-failure': return `memory failure of the folio at index ${decHex(op.index)}, order ${op.order}`;
    case 'convert': return `KVM_SET_MEMORY_ATTRIBUTES2 on the file: offset ${decHex(op.offset)}, size ${decHex(op.size)}, to ${op.toPrivate ? 'private' : 'shared'}`;
    case 'bind': return `KVM_SET_USER_MEMORY_REGION2 slot ${op.slot}, flags KVM_MEM_GUEST_MEMFD: guest_phys_addr ${decHex(op.guest_phys_addr)}, ` +
      `memory_size ${decHex(op.memory_size)}, guest_memfd_offset ${decHex(op.guest_memfd_offset)}`;
  }
}

/** What a refusal or an acceptance is, as a line says it. */
export const answerText = (r: Refusal | null): string => (r ? `-${r.errno} (${r.rule})` : '0 (bound)');

/** A bind request's lines: what the era's kernel answers, what kvm_gmem_bind() must answer, and what the variant's did. */
function bindLines(r: BindRequest, b: BindAnswer | undefined): string[] {
  const era = r.era === '6.8' ? '6.8 to 7.1' : '7.2';
  const lines = [
    `  -> kvm_gmem_bind(slot ${r.slot.id}, offset ${decHex(r.offset)}) on a file of ${decHex(r.i_size)} bytes: file pages [${decHex(r.slot.pgoff)}, ${decHex(r.slot.pgoff + r.slot.npages)})` +
      `${r.taken ? `, which meet slot ${r.taken.id}'s binding` : ''}`,
    `  the ${era} kernel answers ${answerText(r.kernel)}; it must answer ${answerText(r.expected)}`,
  ];
  if (b) {
    lines.push(`  the variant's kvm_gmem_bind() returned ${returnText(b.ret)}, slot->gmem.pgoff ${decHex(b.pgoff)}` +
      `${b.stores.length ? `, stored ${b.stores.map((s) => `[${decHex(s.first)}, ${decHex(s.last)}]`).join(' ')}` : ', stored nothing'}`);
  }
  return lines;
}

/** The case and its outcome, as a reviewer reads it. */
export function formatOutcome(o: Outcome): string {
  const lines: string[] = [];
  const views = viewsOf(o.layout);
  const several = views.length > 1;
  const tdx = ', in a TDX VM (mirrored TDP: its guest_memfd memory is private, mapped in mirror roots)';
  const order = o.layout.pageOrder ? `, page order ${o.layout.pageOrder} (huge pages of ${1n << BigInt(o.layout.pageOrder)} pages)` : '';
  lines.push(`guest_memfd of ${decHex(o.layout.filePages)} pages${order}${several ? `, with ${views.length} views (one per VM)` : o.layout.vmType === 'tdx' ? tdx : ''}`);
  views.forEach((v, i) => {
    if (several) lines.push(`  view ${i}${v.vmType === 'tdx' ? tdx.replace(', in', ': ') : ': a default VM'}`);
    for (const s of v.slots) {
      lines.push(`${several ? '    ' : '  '}slot ${s.id}: pgoff ${decHex(s.pgoff)}, npages ${decHex(s.npages)}, base_gfn ${decHex(s.base_gfn)}` +
        `  (file [${decHex(s.pgoff)}, ${decHex(s.pgoff + s.npages)}) -> gfns [${decHex(s.base_gfn)}, ${decHex(s.base_gfn + s.npages)}))`);
    }
  });
  const inView = (v: number | undefined) => (several ? `view ${v ?? 0} ` : '');
  lines.push(`caller: ${formatOperation(o.case.op, views.length)}`);
  const r = o.resolved;
  if (r.kind === 'error') lines.push(`  -> -${r.errno} (${r.rule}); ${o.case.op.kind === 'bind' ? 'kvm_gmem_bind() is not reached' : 'no invalidation'}`);
  else if (r.kind === 'allocate') lines.push('  -> allocation; no invalidation');
  else if (r.kind === 'bind') lines.push(...bindLines(r, o.bound));
  else lines.push(`  -> invalidate [start ${decHex(r.start)}, end ${decHex(r.end)})`);
  for (const w of o.walks) {
    lines.push(`${inView(w.view)}walk [${decHex(w.start)}, ${decHex(w.last)}]: ${w.visits.map((v) => `(${decHex(v.index)}, slot ${v.slot.id})`).join(' ') || 'no visits'}`);
  }
  // a case the variant did not finish has no unmaps to compare: say what must have gone, and what happened
  for (const d of o.fault ? [] : diff(o)) {
    lines.push(`${inView(d.view)}slot ${d.slot}: expected ${d.expected.map(range).join(' ') || 'nothing'}; unmapped ${d.unmapped.map(range).join(' ') || 'nothing'}`);
    if (d.missed.length) lines.push(`  missed ${d.missed.map(range).join(' ')}`);
    if (d.extra.length) lines.push(`  extra  ${d.extra.map(range).join(' ')}`);
  }
  const log = o.events.map((e) => (several && e.op !== 'warn' ? `${e.view ?? 0}:` : '') + (e.op === 'unmap' ? `unmap(slot ${e.slot}, ${range(e)}${e.roots ? `, ${e.roots.join(' and ') || 'no'} roots` : ''})` : e.op === 'range_add' ? `range_add(${range(e)})` : e.op === 'warn' ? `WARN[${e.message}]` : e.op));
  if (r.kind !== 'bind') lines.push(`kvm calls${several ? ' (view:call)' : ''}: ${log.join(', ') || 'none'}`);
  if (o.fault && r.kind !== 'bind') {
    const must = o.expected.map((e) => `${inView(e.view)}slot ${e.slot.id} gfns ${range(e.gfns)}`).join(', ') || 'nothing';
    lines.push(`must unmap: ${must}`);
  }
  if (o.fault) lines.push(faultText(o.fault));
  return lines.join('\n');
}

/** A word as a POSIX shell reads it back: as it is, or in single quotes when the shell would split or expand it. */
export const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** How a command line names the variant a failure was found in, and the report that shows it, for the replay line. */
export interface ReplayTarget {
  /** The variant as the command takes it: its file, or `--from-kernel TREE`. */
  readonly variant: string;
  /** The report's record (its .json), when one shows the failure. */
  readonly report?: string;
}

/** A failure not reproduced in this process (engine.ts), with no path to it: the cases up to it, run isolated, meet it again. */
const noPathTo = (v: Verdict) => !v.path && v.confirmation === 'not-reproduced';

/**
 * The command that replays a failure, as it can be typed: a generated case by its seed, path and
 * variant; a hang, or a case found by replaying a saved report, by that report (a kernel tree's
 * with the tree named too). Undefined when there is nothing to replay (a pass, a case not run).
 */
export function failureReplay(v: Verdict, t: ReplayTarget): string | undefined {
  if (v.confirmation === 'hang' || v.fromSavedReport) {
    if (t.report !== undefined) return `npm run check -- --report ${t.report}${t.variant.startsWith('--from-kernel ') ? ` ${t.variant}` : ''}`;
    // no report of its own (a kernel tree's, with no folder named): every run replays the saved reports first
    return v.fromSavedReport ? `npm run check -- --property ${v.property} ${t.variant}` : undefined;
  }
  if (v.actual !== 'fail' || v.notRun || !v.counterexample) return undefined;
  if (noPathTo(v)) return `npm run check -- --seed=${v.seed} --runs ${v.numRuns} --property ${v.property} ${t.variant}`;
  return `npm run check -- --seed=${v.seed} --path ${v.path || '?'} --property ${v.property} ${t.variant}`;
}

/**
 * Why a case the variant did not finish is a mismatch whatever the variant expects. A crash fails
 * every property (each draws the same cases; a bind request's, bind-within-file alone); after a hang nothing more of the variant runs, so
 * its later properties are not run (docs/isolation.md), as the table's not-run says.
 */
function unexpectedWhy(f: Outcome['fault']): string {
  if (!f) return '';
  if (f.hang) return ': a hang is never the failure a variant is expected to have; nothing of the variant runs after it: its later properties are not-run';
  // a bind request is drawn by bind-within-file alone: the other properties never met it
  if (f.phase === 'bind') return ': a kvm_gmem_bind() that does not return its answer is never the failure a variant is expected to have';
  return ': a variant that does not finish a case fails every property';
}

/** One failed verdict in full: the property, why, the case, and how to replay it (the variant named as `target` says). */
export function formatFailure(v: Verdict, target: ReplayTarget = { variant: "<the variant's file>" }): string {
  // a failure without a case is a harness error: no verdict on the variant, said once, as what broke
  if (!v.counterexample) {
    return `${v.variant}, ${v.property}: not judged, the harness broke\nharness error: ${v.harnessError ?? 'no case to show'}\nnothing to replay: the harness broke before it had a case`;
  }
  const head = `${v.variant} fails ${v.property}${v.matches ? ' (expected)' : ` (UNEXPECTED${unexpectedWhy(v.counterexample.fault)})`}`;
  const why = (v.violations ?? []).map((s) => `  - ${s}`).join('\n');
  const body = formatOutcome(v.counterexample);
  const command = failureReplay(v, target);
  const replay = v.confirmation === 'hang'
    ? `a hang is not shrunk nor replayed by path: run its case again with ${command ?? '--report on its report'}`
    : v.fromSavedReport
      ? `found by replaying the case of the saved report ${v.savedReport ?? '?'} (then made as small as this variant allows); ` +
        `to run it again: ${command ?? 'npm run check -- --report <the report of this failure, named below>'}`
      : noPathTo(v)
        ? `no path replays it (not reproduced in this process); to run the cases up to it isolated: ${command}`
        : `replay: ${command} (then ${v.numShrinks ?? 0} shrinks)`;
  return `${head}\n${why}\n${body}\n${replay}`;
}
