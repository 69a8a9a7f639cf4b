// --from-kernel TREE --rev A..B: the commits of the range that touch the guest_memfd file
// (virt/kvm/guest_memfd.c, or 2023's guest_mem.c), oldest first, and the file at A and at each
// of them, read with git show (nothing is checked out; the tree, its index and its refs are left
// as they are). These are the states compare.ts judges, each against the one before it, so the
// range is walked along B's first parents (as git log --first-parent shows mainline): a merge is
// one step from its first parent, and a side branch's commits, whose parent is not the row above
// them, are not rows of their own.

import fs from 'fs';
import type { State } from './compare';
import { GitError, git, gitOk, repoTop } from './git';
import { GMEM_FILES, goneWords } from './patches';
import { Snapshots } from './snapshots';

export class RevError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevError';
  }
}

export interface RangeStates {
  /** A (or the first parent of the first-parent line's oldest commit), then each commit of that line that touches the file. */
  readonly states: State[];
  /** The commits of A..B, touching the file or not. */
  readonly commitsInRange: number;
}

/** The full hash of a revision the tree's repository knows, or a RevError naming it. */
function commitOf(tree: string, rev: string): string {
  const r = git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: tree });
  if (r.status !== 0) throw new RevError(`--rev: ${rev} is not a commit of the repository at ${tree}`);
  return r.stdout.trim();
}

/** The guest_memfd file at a commit and its text, or undefined when the commit has neither name. */
function fileAt(tree: string, commit: string): { file: string; text: Buffer } | undefined {
  for (const file of GMEM_FILES) {
    // "commit:path" names the path from the top of the repository, which the tree is
    const r = git(['cat-file', '-e', `${commit}:${file}`], { cwd: tree });
    if (r.status === 0) return { file, text: Buffer.from(gitOk(['show', `${commit}:${file}`], { cwd: tree }), 'utf8') };
  }
  return undefined;
}

/** What a commit did to the guest_memfd file its first parent had: renamed it (to what) or removed it. */
function goneAt(tree: string, commit: string, file: string): string {
  const status = gitOk(['diff', '--name-status', '-M', `${commit}^1`, commit], { cwd: tree });
  return goneWords(file, status.split('\n').map((l) => l.split('\t')).find((f) => f[0].startsWith('R') && f[1] === file)?.[2]);
}

/** A commit's first parent, or undefined for a root commit. */
function firstParentOf(tree: string, commit: string): string | undefined {
  const r = git(['rev-parse', '--verify', '--quiet', `${commit}^1`], { cwd: tree });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The range as states: A, then every commit of B's first-parent line down to A that touches the file, oldest first. */
export function rangeStates(tree: string, range: string, snapshots: Snapshots): RangeStates {
  const m = /^(.+?)\.\.(.+)$/.exec(range);
  if (!m || m[1].endsWith('.') || m[2].startsWith('.')) throw new RevError(`--rev takes a range A..B (the commits after A up to B, as git log A..B), got "${range}"`);
  try {
    // git cannot even start in a file (spawn's ENOTDIR)
    if (fs.existsSync(tree) && !fs.statSync(tree).isDirectory()) throw new RevError(`--rev reads the history of a git repository: ${tree} is a file; give the tree, a folder that is a git checkout`);
    const top = repoTop(tree);
    if (!top) throw new RevError(`--rev reads the history of a git repository: ${tree} is not in one`);
    if (top !== fs.realpathSync(tree)) throw new RevError(`--rev: ${tree} is inside the repository at ${top}; give the top of a kernel repository, where virt/kvm/ is`);
    const [a, b] = [commitOf(tree, m[1]), commitOf(tree, m[2])];
    const all = gitOk(['rev-list', '--count', `${a}..${b}`], { cwd: tree }).trim();
    // an empty range (A..A, or the ends swapped) would judge A alone and look like a change-free range
    if (Number(all) === 0) throw new RevError(`--rev ${range} holds no commit: it is the commits after ${m[1]} up to ${m[2]}, as git log ${range} lists them${a === b ? '' : `; ${m[2]} is not after ${m[1]} (the ends swapped?)`}`);
    const list = (...more: string[]) => gitOk(['rev-list', '--first-parent', '--reverse', `${a}..${b}`, ...more], { cwd: tree }).split('\n').filter(Boolean);
    // with --first-parent, git compares each commit (a merge too) with its first parent only
    const commits = list('--', ...GMEM_FILES);
    const base = firstParentOf(tree, list()[0]);
    const stateAt = (commit: string, label: string, before?: string): State => {
      const f = fileAt(tree, commit);
      const gone = !f && before ? { gone: goneAt(tree, commit, before) } : {};
      return { label, commit, ...(f ? { file: f.file, dir: snapshots.add(f.file, f.text) } : gone) };
    };
    const subject = (c: string) => gitOk(['log', '-1', '--format=%s', c], { cwd: tree }).trim();
    // A off B's first-parent line: the line's own base is what its oldest commit changed
    const first = base === undefined ? { label: `no commit (the first-parent line of ${m[2]} starts at a root commit)` }
      : base === a ? stateAt(a, `${a.slice(0, 12)} (${m[1]}) ${subject(a)}`)
        : stateAt(base, `${base.slice(0, 12)} (where ${m[2]}'s first-parent line leaves ${m[1]}..${m[2]}) ${subject(base)}`);
    const states: State[] = [first];
    for (const c of commits) states.push(stateAt(c, `${c.slice(0, 12)} ${subject(c)}`, states[states.length - 1].file));
    return { states, commitsInRange: Number(all) };
  } catch (e) {
    if (e instanceof GitError) throw new RevError(e.message);
    throw e;
  }
}
