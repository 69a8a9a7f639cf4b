// --review: a patch or range check as plain text wrapped at 72 columns, for a reviewer to paste
// into a mailing-list reply: what was checked (tree, commit, patches, seed, cases), what each
// patch or commit changed, and for a break the shrunk counterexample, its userspace steps and the
// command that replays it.

import path from 'path';
import { PropertyId } from '../../model/variant';
import { caseKey } from '../case';
import { formatOutcome, shellWord } from '../format';
import { userspaceSteps } from '../reports/page';
import { Comparison, PropertyChange, Step, firstChange, seriesVerdict } from './compare';
import { patchName } from './patches';
import { SeriesContext, describeCase, erasNote, gmemFiles, goneLine } from './series-print';

export const WIDTH = 72;

/**
 * A line cut at spaces to `width`, its continuations indented under its text (past a "- " or
 * "1. " bullet). A single word longer than the line (a long path) is left whole.
 */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lead = /^(\s*)((?:- |\d+\. )?)/.exec(line)!;
  const hang = ' '.repeat(lead[1].length + (lead[2] ? lead[2].length : 2));
  const words = line.slice(lead[0].length).split(/ +/).filter(Boolean);
  const out: string[] = [];
  let cur = lead[0];
  for (const w of words) {
    const blank = cur.trim() === '' || cur === lead[0];
    if (!blank && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = hang + w;
    } else cur = blank ? cur + w : `${cur} ${w}`;
  }
  out.push(cur);
  return out;
}

export const wrap = (text: string, width = WIDTH): string => text.split('\n').flatMap((l) => wrapLine(l, width)).join('\n');

/** A shell command over several lines, broken between words with a backslash, so it pastes back whole. */
export function commandLines(words: readonly string[], indent: string, width = WIDTH): string[] {
  const out: string[] = [];
  let cur = indent;
  for (const w of words.map(shellWord)) {
    if (cur.trim() !== '' && cur.length + 1 + w.length + 2 > width) {
      out.push(`${cur} \\`);
      cur = `${indent}  ${w}`;
    } else cur = cur.trim() === '' ? cur + w : `${cur} ${w}`;
  }
  out.push(cur);
  return out;
}

const verdictWord = (w: PropertyChange['after']) => (w === 'fail' ? 'fails' : w === 'pass' ? 'passes' : w === 'not-judged' ? 'n/a' : w);

/** What one step changed, and the counterexample of each break (a case shown once, however many properties it breaks). */
function stepLines(c: Comparison, s: Step, ctx: SeriesContext): string[] {
  const before = c.results[s.from], after = c.results[s.to];
  const p = after.state.patch;
  const out = [p ? `${patchName(p)}:` : `${after.state.label}:`];
  if (after.missing?.kind === 'broken') out.push(`  not judged: ${after.missing.why}`);
  if (s.outside) out.push(`  ${s.outside}`);
  const listed = (kind: PropertyChange['change']) => s.changes.filter((x) => x.change === kind);
  const shown = new Map<string, PropertyId>();
  for (const x of listed('broke').filter((y) => y.counts)) {
    const f = x.counterexample;
    out.push(`  BROKE ${x.property}:`);
    if (!f) continue;
    out.push(...f.violations.map((v) => `    - ${v}`));
    const key = caseKey(f.found.case);
    if (shown.has(key)) {
      out.push(`    on the same case as ${shown.get(key)} (above)`);
      continue;
    }
    shown.set(key, x.property);
    out.push('', '  Counterexample (shrunk):', ...formatOutcome(f.outcome).split('\n').map((l) => `    ${l}`));
    out.push('', '  From userspace:', ...userspaceSteps(f.outcome).map((step, i) => `    ${i + 1}. ${step.replace(/`/g, '')}`));
    const earlier = ctx.kind === 'patch' ? 'the tree before this patch' : `the commit before (${before.state.label})`;
    out.push('', x.before === 'not-judged' ? `  ${earlier[0].toUpperCase()}${earlier.slice(1)} gave no verdict on ${x.property}.` : `  It passes on ${earlier}.`);
    if (x.note) out.push(`  (${x.note})`);
    out.push('', '  Replay:', ...commandLines(['npm', 'run', 'check', '--', ...ctx.replay(x.property)], '    '), '');
  }
  if (listed('fixed').length) out.push(`  fixed: ${listed('fixed').map((x) => x.property).join(', ')}`);
  for (const x of listed('fixed').filter((y) => y.counterexample)) {
    out.push(`    (${x.property}: the case it failed on before, ${describeCase(x.counterexample!.outcome)}, passes now)`);
  }
  // an advisory property is reported, not held against the patch: one line each
  for (const x of listed('broke').filter((y) => !y.counts && y.counterexample)) {
    out.push(`  advisory ${x.property} now fails on a case that passed before: ${x.counterexample!.violations[0] ?? ''} (${describeCase(x.counterexample!.outcome)})`);
  }
  for (const x of listed('added')) out.push(`  new file: ${x.property} ${verdictWord(x.after)}`);
  for (const x of listed('unjudged')) if (after.missing?.kind !== 'broken') out.push(`  not judged: ${x.property}${x.note ? ` (${x.note})` : ''}`);
  const same = listed('unchanged');
  if (same.length) out.push(`  unchanged: ${same.map((x) => `${x.property} (${verdictWord(x.after)})`).join(', ')}`);
  return out;
}

/** The reply text. */
export function reviewText(c: Comparison, ctx: SeriesContext): string {
  const file = gmemFiles(c);
  const at = ctx.head ? ` at ${ctx.head.commit.slice(0, 12)}${ctx.head.dirty ? ' (with uncommitted changes to it)' : ''}` : '';
  const out: string[] = [];
  if (ctx.kind === 'patch') {
    out.push(`Checked with gmem-invalidate-harness: ${file} of ${path.basename(ctx.tree)}${at}, before and after each patch that touches it, with seed ${ctx.seed} and ${ctx.numRuns} generated cases per property, the same for every state (guest_memfd files, memslots bound to them, punches, releases and memory failures, each judged against a reference model of what must be unmapped).`);
    out.push('', 'Patches:');
    for (const p of ctx.patches ?? []) out.push(`  - ${patchName(p)}${(ctx.untouched ?? []).includes(p) ? `: does not touch ${file}, applied and not judged` : ''}`);
  } else {
    out.push(`Checked with gmem-invalidate-harness: ${file} of ${path.basename(ctx.tree)} at ${c.results[0].state.label} and at each of the ${c.results.length - 1} commit(s) of ${ctx.range} that touch it, with seed ${ctx.seed} and ${ctx.numRuns} generated cases per property, the same for every commit${erasNote(c)}.`);
  }
  for (const s of c.steps) out.push('', ...stepLines(c, s, ctx));
  const first = firstChange(c);
  const verdict = seriesVerdict(c);
  out.push('', verdict === 'broke' ? `Result: a ${ctx.kind === 'patch' ? 'patch' : 'commit'} breaks a property that passed before it.`
    : verdict === 'unjudged' ? `Result: ${goneLine(c, ctx.kind) ?? 'something could not be judged (above)'}; no verdict.`
      : first ? `Result: no break; first change at ${c.results[first.to].state.label}.` : 'Result: no verdict changed.');
  return wrap(out.join('\n'));
}
