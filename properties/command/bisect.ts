// --bisect: one step of `git bisect run`, the checked-out tree judged as --from-kernel judges it,
// its result in the exit codes git documents (git-bisect(1), "bisect run"): 0 good, 1 bad, 125
// skip (this commit cannot be tested), and 128, which aborts the bisect, for what would be the
// same at every commit (the command line, a missing gcc). The command's usual 2 would read as
// "bad" to git, so a commit the harness cannot take would be blamed: it is never used here.

import fs from 'fs';
import { INVALIDATION } from '../../model/variant';
import type { Verdict } from '../engine/engine';
import { isKernelTree } from './targets';

export const BISECT = { good: 0, bad: 1, skip: 125, abort: 128 } as const;
export type BisectCode = (typeof BISECT)[keyof typeof BISECT];

export interface BisectResult {
  readonly code: BisectCode;
  readonly why: string;
}

/** Before anything runs: a tree that is not there aborts (a typo, at every commit); one without the file skips this commit. */
export function bisectPrecheck(tree: string): BisectResult | undefined {
  if (!fs.existsSync(tree)) return { code: BISECT.abort, why: `${tree} does not exist` };
  if (fs.statSync(tree).isDirectory() && !isKernelTree(tree)) return { code: BISECT.skip, why: `${tree} has no virt/kvm/guest_memfd.c or guest_mem.c at this commit` };
  return undefined;
}

/** A file the harness could not take: this commit's (skip), unless the machine lacks gcc (abort: every commit would skip). */
export const bisectLoadFailure = (e: Error): BisectResult =>
  e.name === 'GccNotFoundError' ? { code: BISECT.abort, why: e.message } : { code: BISECT.skip, why: `the harness cannot take this commit's file: ${e.message}` };

/**
 * The step's verdicts on the properties named: skip when one could not be reached or none was
 * judged at this commit, bad when one fails (an advisory one too: it was named to be bisected,
 * though it is never a mismatch) or differs from what a tree must do, else good.
 */
export function bisectVerdict(verdicts: readonly Verdict[]): BisectResult {
  const unjudged = verdicts.find((v) => v.harnessError !== undefined || v.confirmation === 'not-reproduced');
  if (unjudged) return { code: BISECT.skip, why: `${unjudged.property} could not be judged: ${unjudged.harnessError ?? 'its failure did not reproduce in a fresh process'}` };
  if (verdicts.length && verdicts.every((v) => v.actual === 'not-judged')) {
    return { code: BISECT.skip, why: `no property named is judged at this commit (${verdicts.map((v) => v.property).join(', ')}: not judged)` };
  }
  const bad = verdicts.filter((v) => !v.matches || v.actual === 'fail');
  if (bad.length) {
    const ids = [...new Set(bad.map((v) => v.property))];
    // the kernel's own overflow (fixed for 7.2): a bisect of an invalidation regression meets it at every commit
    const bindOnly = ids.length === 1 && ids[0] === 'bind-within-file'
      ? ` (every tree from 6.8 to 7.1 fails it: to bisect an invalidation regression, name the others with --property ${INVALIDATION.join(',')})` : '';
    return { code: BISECT.bad, why: `it fails ${ids.join(', ')}${bindOnly}` };
  }
  if (verdicts.length === 0) return { code: BISECT.skip, why: 'no property was judged' };
  return { code: BISECT.good, why: 'every property named passes' };
}

const WORD: Record<BisectCode, string> = { 0: 'good', 1: 'bad', 125: 'skip', 128: 'abort' };

export const bisectLine = (r: BisectResult): string => `bisect: ${WORD[r.code]} (exit ${r.code}): ${r.why}`;
