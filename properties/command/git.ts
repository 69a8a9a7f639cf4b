// The system git, run for the command's patch and range checks: its plumbing (mailsplit,
// mailinfo, apply, rev-list, show) with the caller's environment minus what would point git at
// another repository, and one error that says which git command failed and how.

import { spawnSync } from 'child_process';
import fs from 'fs';

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Where git looks for a repository is its own business: GIT_DIR and its kin from a hook or a
 * `git bisect run` would send a scratch folder's `git apply` into the user's repository. Nothing
 * here writes to a repository: reads only (rev-list, show, cat-file, status), and git apply in a
 * scratch folder outside any.
 */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // GIT_OPTIONAL_LOCKS=0: git status would otherwise refresh and write the user's index
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX']) delete env[k];
  return env;
}

/** git with `args` in `cwd`; a git that cannot be run at all is a GitError, any exit status is the caller's to judge. */
export function git(args: readonly string[], opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv }): GitRun {
  // spawn's ENOENT for a missing folder would read as a missing git
  if (!fs.existsSync(opts.cwd)) throw new GitError(`${opts.cwd} does not exist`);
  const r = spawnSync('git', [...args], { cwd: opts.cwd, input: opts.input, encoding: 'utf8', env: cleanEnv(opts.env ?? {}), maxBuffer: 1 << 30 });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed (Debian/Ubuntu: apt-get install git)' : r.error.message;
    throw new GitError(`cannot run git ${args[0]}: ${why}`);
  }
  return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

/** git's answer, or a GitError naming the command and git's own first lines when it fails. */
export function gitOk(args: readonly string[], opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv }): string {
  const r = git(args, opts);
  if (r.status !== 0) throw new GitError(`git ${args.join(' ')} (in ${opts.cwd}) failed: ${firstLines(r.stderr || r.stdout)}`);
  return r.stdout;
}

export const firstLines = (text: string, n = 3): string => text.trim().split('\n').slice(0, n).join('; ') || 'no message';

/** The top of the git repository `dir` is in, or undefined. */
export function repoTop(dir: string): string | undefined {
  const top = git(['rev-parse', '--show-toplevel'], { cwd: dir });
  return top.status === 0 ? fs.realpathSync(top.stdout.trim()) : undefined;
}

/**
 * The commit a tree's working files are checked out at, and whether `paths` differ from it;
 * undefined when the tree is not the top of a git repository (a copy, or a folder inside another
 * repository, whose HEAD says nothing of it).
 */
export function headOf(tree: string, paths: readonly string[]): { commit: string; dirty: boolean } | undefined {
  try {
    if (repoTop(tree) !== fs.realpathSync(tree)) return undefined;
    const head = git(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: tree });
    if (head.status !== 0) return undefined;
    const status = gitOk(['status', '--porcelain', '--', ...paths], { cwd: tree });
    return { commit: head.stdout.trim(), dirty: status.trim() !== '' };
  } catch {
    return undefined;
  }
}
