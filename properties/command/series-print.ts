// How a patch or range check is printed: what was checked, a state x property table (the tree and
// the file after each patch, or each commit), what each step changed with the counterexample of
// each break, and the same as JSON (the `series` field of --json).

import path from 'path';
import { PropertyId, isAdvisory } from '../../model/variant';
import { viewsOf } from '../../model/layout';
import { formatOperation, formatOutcome, shellWord } from '../format';
import { Outcome } from '../engine/execute';
import { caseKey } from '../case';
import { caseRecord } from '../reports/record';
import type { Verdict } from '../engine/engine';
import { Comparison, PropertyChange, StateResult, Step, fileGone, firstBreak, firstChange } from './compare';
import type { SeriesDetail } from './output-schema';
import { Patch, Skipped, patchName } from './patches';

/** What a printout says of the check besides the comparison. */
export interface SeriesContext {
  readonly kind: 'patch' | 'rev';
  readonly tree: string;
  /** The tree's checked-out commit (a patch check on a git tree). */
  readonly head?: { readonly commit: string; readonly dirty: boolean };
  readonly seed: number;
  readonly numRuns: number;
  readonly range?: string;
  readonly commitsInRange?: number;
  readonly patches?: readonly Patch[];
  readonly untouched?: readonly Patch[];
  readonly skipped?: readonly Skipped[];
  /** The arguments of `npm run check --` that run the same check again for one property. */
  readonly replay: (property: PropertyId) => readonly string[];
  /** The report a verdict was saved as, when reports are written. */
  readonly reportOf: (v: Verdict) => string | undefined;
}

/** The replay command, as one line. */
export const replayCommand = (args: readonly string[]): string => ['npm', 'run', 'check', '--', ...args].map(shellWord).join(' ');

const STEP_WORD: Record<PropertyChange['change'], string> = { fixed: 'fixed', broke: 'BROKE', unchanged: 'unchanged', added: 'new file', removed: 'file removed', unjudged: 'not judged' };

/** A state as its row names it: its label cut to a width a terminal holds. */
const rowName = (r: StateResult, width = 60): string => (r.state.label.length > width ? `${r.state.label.slice(0, width - 3)}...` : r.state.label);

/** A cell: the verdict, with what the step into this state changed. */
function cell(r: StateResult, id: PropertyId, change?: PropertyChange): string {
  if (r.missing?.kind === 'absent') return 'absent';
  const e = r.properties.get(id)!;
  if (e.actual === 'unjudged') return '-';
  if (e.actual === 'not-judged') return change?.change === 'broke' ? 'FAIL (broke)' : 'n/a';
  const w = e.actual === 'pass' ? 'pass' : 'FAIL';
  return change && (change.change === 'fixed' || change.change === 'broke') ? `${w} (${change.change})` : w;
}

/** The state x property table; each row's cells say what the step into it changed. */
export function seriesTable(c: Comparison): string {
  const header = [ '', 'judged as', ...c.properties.map((id) => (isAdvisory(id) ? `(${id})` : id))];
  const rows = c.results.map((r, i) => {
    const into = i > 0 ? c.steps[i - 1] : undefined;
    const judged = r.judged?.name ?? (r.missing?.kind === 'broken' ? 'cannot be judged' : 'no file');
    return [rowName(r), judged, ...c.properties.map((id) => cell(r, id, into?.changes.find((x) => x.property === id)))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const indent = (text: string, by = '    ') => text.split('\n').map((l) => by + l).join('\n');

/** The guest_memfd file the states hold, by its name(s) (2023's guest_mem.c, renamed guest_memfd.c). */
export const gmemFiles = (c: Comparison): string => [...new Set(c.results.flatMap((r) => (r.state.file ? [r.state.file] : [])))].join(' (then ') +
  (new Set(c.results.map((r) => r.state.file).filter(Boolean)).size > 1 ? ')' : '');

/** What was checked, in a sentence or two. */
export function checkedLine(c: Comparison, ctx: SeriesContext): string {
  const file = gmemFiles(c);
  const at = ctx.head ? ` (git ${ctx.head.commit.slice(0, 12)}${ctx.head.dirty ? ', with uncommitted changes to the guest_memfd file' : ''})` : '';
  const what = ctx.kind === 'patch'
    ? `${file} of ${ctx.tree}${at}, before and after each of the ${c.results.length - 1} patch(es) that touch it (of ${ctx.patches!.length})`
    : `${file} of ${ctx.tree} at ${ctx.range!.split('..')[0]} and at each of the ${c.results.length - 1} commit(s) of ${ctx.range} that touch it (of ${ctx.commitsInRange} in the range), along the first parents of ${ctx.range!.split('..')[1]} (as git log --first-parent shows them: a merge is one step, judged against its first parent)`;
  return `checked ${what}\nseed ${ctx.seed}, ${ctx.numRuns} cases per property, the same for every state (a verdict that changes is the change's, not the seed's)${erasNote(c)}`;
}

/**
 * The eras of the judged states (kernel-<era>-<hash>), when there are several: an era draws
 * cases of its own (TDX VMs from 6.14, views from 2025), so the same seed gives other cases.
 */
export function erasNote(c: Comparison): string {
  const eras = [...new Set(c.results.flatMap((r) => (r.judged ? [r.judged.name.replace(/^kernel-/, '').replace(/-[0-9a-f]{8}$/, '')] : [])))];
  return eras.length > 1 ? `; the states are of ${eras.length} eras (${eras.join(', ')}), whose cases differ: each state's counterexamples are replayed on every state that can run them` : '';
}

/** The patches that were applied but not judged, and the messages that held no patch. */
function patchNotes(ctx: SeriesContext): string[] {
  return [
    ...(ctx.untouched ?? []).map((p) => `  applied, not judged (it does not touch the guest_memfd file): ${patchName(p)}`),
    ...(ctx.skipped ?? []).map((s) => `  skipped (no diff in it: a cover letter or a reply): ${patchName(s)}`),
  ];
}

/** The patch or commit that took the file away, in a sentence: what follows it is not judged. */
export function goneLine(c: Comparison, kind: SeriesContext['kind']): string | undefined {
  const r = fileGone(c);
  if (!r) return undefined;
  const patch = r.state.patch, label = r.state.label;
  const name = kind === 'patch' ? `patch ${/^\d+\/\d+ /.test(label) ? label.replace(/^(\d+\/\d+) (.*)$/, '$1 "$2"') : `"${patch?.subject ?? label}"`}` : `commit ${label}`;
  return `${name} ${r.state.gone}: the states after it have no file to judge`;
}

/** One step: each property it changed, with the counterexample of a break, and the rest in a line. */
function stepText(c: Comparison, s: Step, ctx: SeriesContext): string {
  const before = c.results[s.from], after = c.results[s.to];
  const p = after.state.patch;
  const from = p && (p.subject !== path.basename(p.file) || p.message) ? ` (${path.basename(p.file)}${p.message ? `, message ${p.message}` : ''})` : '';
  const out = [`${after.state.label}${from}:`];
  if (after.missing?.kind === 'broken') out.push(`  cannot be judged:\n${indent(after.missing.why)}`);
  if (after.state.gone) out.push(`  ${after.state.gone}: no file to judge after it`);
  if (s.outside) out.push(`  ${s.outside}`);
  // a case that breaks several properties (a hang breaks them all) is shown once
  const shown = new Map<string, PropertyId>();
  for (const x of s.changes.filter((y) => y.change !== 'unchanged' && !(y.change === 'removed' && after.state.gone))) {
    if (x.change === 'unjudged' && x.note && x.counterexample) {
      out.push(`  ${x.property}: FAIL, not judged against the state before: ${x.note}`, ...x.counterexample.violations.map((v) => `    - ${v}`), indent(formatOutcome(x.counterexample.outcome)));
      continue;
    }
    if (x.change === 'unjudged') {
      if (after.missing?.kind !== 'broken' && before.missing?.kind !== 'broken') out.push(`  ${x.property}: not judged (${(after.properties.get(x.property)!.why ?? before.properties.get(x.property)!.why) ?? ''})`);
      continue;
    }
    out.push(`  ${STEP_WORD[x.change]} ${x.property}${x.change === 'broke' && !x.counts ? ' (advisory)' : ''}${x.change === 'added' ? `: ${x.after}` : ''}`);
    if (x.note) out.push(`    (${x.note})`);
    const f = x.counterexample;
    const key = f && caseKey(f.found.case);
    if (x.change === 'broke' && f && shown.has(key!)) {
      out.push(...f.violations.map((v) => `    - ${v}`), `    on the same case as ${shown.get(key!)} (above)`);
    } else if (x.change === 'broke' && f) {
      shown.set(key!, x.property);
      out.push(x.before === 'not-judged' ? '    it fails on this case:' : `    it fails on this case, which passes on the state before (${before.state.label}):`);
      out.push(...f.violations.map((v) => `    - ${v}`), indent(formatOutcome(f.outcome)));
      const report = ctx.reportOf(f.found.verdict);
      out.push(`    replay: ${replayCommand(ctx.replay(x.property))}${report && f.found.from === s.to ? `\n    report: ${report}` : ''}`);
    } else if (x.change === 'fixed' && f) {
      out.push(`    the case it failed on before passes now (${f.violations[0] ?? ''}; ${describeCase(f.outcome)})`);
    }
  }
  const same = s.changes.filter((y) => y.change === 'unchanged');
  if (same.length) out.push(`  unchanged: ${same.map((y) => `${y.property} (${y.after === 'pass' ? 'pass' : y.after === 'fail' ? 'FAIL' : y.after === 'not-judged' ? 'n/a' : y.after})${y.note ? ` [${y.note}]` : ''}`).join(', ')}`);
  return out.join('\n');
}

/** A case in a few words: its slots and its caller. */
export function describeCase(o: Outcome): string {
  const slots = viewsOf(o.layout).reduce((n, v) => n + v.slots.length, 0);
  return `${slots} slot(s), ${formatOperation(o.case.op)}`;
}

/** The whole printout of a patch or range check. */
export function seriesText(c: Comparison, ctx: SeriesContext): string {
  const out = [checkedLine(c, ctx), ...patchNotes(ctx), '', seriesTable(c)];
  for (const s of c.steps) out.push('', stepText(c, s, ctx));
  const first = firstChange(c);
  const of = ctx.kind === 'patch' ? 'patch' : 'commit';
  const changed = (s: Step) => s.changes.filter((x) => x.change === 'fixed' || x.change === 'broke').map((x) => `${x.change} ${x.property}`).join(', ');
  const gone = goneLine(c, ctx.kind);
  if (gone) out.push('', gone);
  if (first) out.push('', `first ${of} whose verdict changed: ${c.results[first.to].state.label} (${changed(first)})`);
  else out.push('', `no ${of} changed a verdict`);
  const broke = firstBreak(c);
  if (broke && broke !== first) out.push(`first ${of} that broke a property it must pass: ${c.results[broke.to].state.label} (${changed(broke)})`);
  return out.join('\n');
}

/** The `series` field of --json (the rest of the object is the command's usual one). */
export function seriesJson(c: Comparison, ctx: SeriesContext): SeriesDetail {
  const first = firstChange(c);
  return {
    // 'patch' (--patch) or 'rev' (--rev)
    kind: ctx.kind,
    tree: ctx.tree,
    // the tree's checked-out commit, for a patch check on a git tree
    head: ctx.head ?? null,
    range: ctx.range ?? null,
    commitsInRange: ctx.commitsInRange ?? null,
    // every patch read, in order; `judged`: it touches the guest_memfd file, so a state follows it
    patches: (ctx.patches ?? []).map((p) => ({ file: p.file, message: p.message ?? null, subject: p.subject, judged: !(ctx.untouched ?? []).includes(p) })),
    // messages with no diff (a cover letter, a reply)
    skipped: (ctx.skipped ?? []).map((s) => ({ file: s.file, message: s.message ?? null, subject: s.subject })),
    // the tree, then the file after each judged patch (or at A, then each commit): `variant` is
    // the kernel-<era>-<hash> name its verdicts carry in `verdicts`; `missing` says why it has none
    states: c.results.map((r) => ({
      label: r.state.label, commit: r.state.commit ?? null, file: r.state.file ?? null, variant: r.judged?.name ?? null,
      missing: r.missing ?? null,
      properties: Object.fromEntries([...r.properties].map(([id, e]) => [id, e.actual])),
    })),
    // from state `from` to state `to`, per property: before, after ('pass', 'fail', 'absent',
    // 'not-judged', 'unjudged'), the change ('fixed', 'broke', 'unchanged', 'added', 'removed', 'unjudged'),
    // `counts` (a break of a property the tree must pass: exit 1), and the counterexample of a
    // break (the case as it failed after) or of a fix (as it failed before)
    steps: c.steps.map((s) => ({
      from: s.from, to: s.to,
      // the step also changed the file outside the functions and macros the harness judges
      outside: s.outside ?? null,
      changes: s.changes.map((x) => ({
        property: x.property, before: x.before, after: x.after, change: x.change, counts: x.counts, note: x.note ?? null,
        counterexample: x.counterexample ? caseRecord(x.counterexample.found.case) : null,
        violations: x.counterexample ? [...x.counterexample.violations] : [],
        replay: x.change === 'broke' ? replayCommand(ctx.replay(x.property)) : null,
      })),
    })),
    // the index in `steps` of the first one that fixed or broke a property, and of the first
    // that broke one the tree must pass
    firstChange: first ? c.steps.indexOf(first) : null,
    firstBreak: firstBreak(c) ? c.steps.indexOf(firstBreak(c)!) : null,
  };
}
