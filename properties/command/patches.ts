// --from-kernel TREE --patch FILE...: the patches read as git am reads them (git mailsplit, then
// git mailinfo on each message: a format-patch file, a b4 mbox of a series, a mail, or a plain
// diff) and applied in order with git apply to a scratch copy of just the files they touch, made
// from the tree's working files; the tree, its index and its refs are never touched. The state
// of the guest_memfd file before the series and after each patch that touches it are the states
// compare.ts judges.

import fs from 'fs';
import os from 'os';
import path from 'path';
import type { State } from './compare';
import { GitError, firstLines, git, gitOk } from './git';
import { Snapshots } from './snapshots';

/** The guest_memfd source, by its name in each era (native/extract.ts looks for them in this order). */
export const GMEM_FILES = ['virt/kvm/guest_memfd.c', 'virt/kvm/guest_mem.c'];

/** The file extensions of patches and mails: named as variants, they are refused with the way to check them. */
export const PATCH_EXTENSIONS = ['.patch', '.diff', '.mbx', '.mbox', '.eml'];

export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

export interface Patch {
  /** The file named on the command line. */
  readonly file: string;
  /** Its place among the file's messages, when the file is a mailbox of several. */
  readonly message?: number;
  readonly subject: string;
  readonly author?: string;
  /** The diff, as git mailinfo leaves it for git apply. */
  readonly diff: string;
  /** The files it touches (each side of a rename too), from the tree's top. */
  readonly paths: readonly string[];
}

/** A message with no diff in it (a cover letter, a reply): skipped, and said so. */
export interface Skipped {
  readonly file: string;
  readonly message?: number;
  readonly subject: string;
}

/** How the output names a patch: its place in a mailbox, its subject and its file. */
export const patchName = (p: Pick<Patch, 'file' | 'message' | 'subject'>): string =>
  p.subject === path.basename(p.file) && !p.message ? p.subject : `"${p.subject}" (${path.basename(p.file)}${p.message ? `, message ${p.message}` : ''})`;

/** `git apply --numstat -z`: the paths a diff touches, both sides of a rename. */
function pathsOf(diff: string, cwd: string, name: string): string[] {
  const r = git(['apply', '--numstat', '-z'], { cwd, input: diff });
  if (r.status !== 0) throw new PatchError(`${name} is not a patch git can read: ${firstLines(r.stderr)}`);
  // each record is "added\tdeleted\tpath\0", or "added\tdeleted\t\0from\0to\0" for a rename
  const fields = r.stdout.split('\0');
  const out: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const m = /^[\d-]+\t[\d-]+\t(.*)$/s.exec(fields[i]);
    if (!m) continue;
    if (m[1] !== '') out.push(m[1]);
    else out.push(fields[++i], fields[++i]);
  }
  // a rename with no change of content has no numstat record
  for (const r of renamesIn(diff)) out.push(r.from, r.to);
  return [...new Set(out)];
}

/** The renames a diff makes, from its "rename from" and "rename to" lines. */
function renamesIn(diff: string): Array<{ from: string; to: string }> {
  return [...diff.matchAll(/^rename from (.+)\nrename to (.+)$/gm)].map((m) => ({ from: m[1], to: m[2] }));
}

/** State.gone's words, for a patch and a commit alike: the file renamed to `to`, or removed. */
export const goneWords = (file: string, to: string | undefined): string => (to ? `renames ${file} to ${to}` : `removes ${file}`);

/** What a patch did to the guest_memfd file it took away: renamed it (to what) or removed it. */
export function goneBy(diff: string, file: string): string {
  return goneWords(file, renamesIn(diff).find((r) => r.from === file)?.to);
}

/** The patch files named: a folder stands for its patches and mails in name order (git format-patch -o numbers them). */
function patchFiles(named: readonly string[]): string[] {
  return named.flatMap((f) => {
    if (!fs.existsSync(f)) throw new PatchError(`--patch: ${f} does not exist`);
    if (!fs.statSync(f).isDirectory()) return [f];
    const inside = fs.readdirSync(f).filter((x) => PATCH_EXTENSIONS.includes(path.extname(x).toLowerCase())).sort().map((x) => path.join(f, x));
    if (inside.length === 0) throw new PatchError(`--patch: the folder ${f} holds no ${PATCH_EXTENSIONS.join(', ')} file`);
    return inside;
  });
}

/** The messages of each file, as git am splits and reads them; a file with no diff at all is an error. */
export function readSeries(named: readonly string[], work: string): { patches: Patch[]; skipped: Skipped[] } {
  const patches: Patch[] = [], skipped: Skipped[] = [];
  patchFiles(named).forEach((file, n) => {
    if (!fs.statSync(file).isFile()) throw new PatchError(`--patch: ${file} is not a file`);
    const box = path.join(work, `mail-${n}`);
    fs.mkdirSync(box);
    // -b: a file that does not start with a "From " line is one message (a mail, or a plain diff)
    const count = Number(gitOk(['mailsplit', '-b', `-o${box}`, path.resolve(file)], { cwd: work }).trim());
    const found = patches.length;
    for (let i = 1; i <= count; i++) {
      const msg = path.join(box, String(i).padStart(4, '0'));
      const info = gitOk(['mailinfo', path.join(box, 'msg'), path.join(box, 'diff')], { cwd: work, input: fs.readFileSync(msg, 'utf8') });
      const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(info)?.[1]?.trim();
      const diff = fs.readFileSync(path.join(box, 'diff'), 'utf8');
      const where = { file, ...(count > 1 ? { message: i } : {}) };
      const subject = field('Subject') || path.basename(file);
      if (!/^(diff --git |--- |\+\+\+ )/m.test(diff)) {
        skipped.push({ ...where, subject });
        continue;
      }
      const author = field('Author');
      const patch = { ...where, subject, ...(author ? { author } : {}), diff };
      patches.push({ ...patch, paths: pathsOf(diff, work, patchName(patch)) });
    }
    if (patches.length === found) throw new PatchError(`--patch: ${file} holds no diff (${count} message(s), none with a patch in it)`);
  });
  return { patches, skipped };
}

/** A path a patch names, inside the tree, or an error: a patch must not reach outside it. */
function inside(tree: string, rel: string, name: string): string {
  const at = path.resolve(tree, rel);
  if (path.isAbsolute(rel) || !at.startsWith(path.resolve(tree) + path.sep)) throw new PatchError(`${name} touches ${rel}, outside the tree`);
  return at;
}

/** "patch failed: virt/kvm/guest_memfd.c:66" as the hunk of the diff that starts at that line. */
function whichHunk(diff: string, stderr: string): string {
  const m = /patch failed: (.+):(\d+)/.exec(stderr);
  if (!m) return firstLines(stderr.replace(/^error: /gm, ''));
  const [, file, line] = m;
  const section = diff.split(/^diff --git /m).find((s) => s.includes(`/${file}\n`) || s.includes(` b/${file}`)) ?? diff;
  const hunks = [...section.matchAll(/^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@.*$/gm)];
  const at = hunks.findIndex((h) => h[1] === line);
  const hunk = at >= 0 ? `hunk #${at + 1} (${hunks[at][0].replace(/^(@@[^@]*@@).*$/, '$1')})` : `the hunk at line ${line}`;
  return `${file}, ${hunk}: its context is not in the file`;
}

export interface SeriesStates {
  /** The tree as given, then the file after each patch that touches it. */
  readonly states: State[];
  readonly patches: readonly Patch[];
  readonly skipped: readonly Skipped[];
  /** The patches that do not touch the guest_memfd file (applied, not judged). */
  readonly untouched: readonly Patch[];
}

/**
 * The series applied in order to a scratch copy of the files it touches (and the guest_memfd
 * file), in a temporary folder that is removed before returning. A patch that does not apply is
 * a PatchError naming its file, its subject, and the file and hunk that failed.
 */
export function seriesStates(tree: string, files: readonly string[], snapshots: Snapshots): SeriesStates {
  if (!fs.existsSync(tree) || !fs.statSync(tree).isDirectory()) throw new PatchError(`--patch applies to a kernel tree (a folder with ${GMEM_FILES.join(' or ')}): ${tree} is not a folder`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gmem-patches-'));
  try {
    const { patches, skipped } = readSeries(files, work);
    const copy = path.join(work, 'tree');
    fs.mkdirSync(copy);
    const wanted = new Set([...GMEM_FILES, ...patches.flatMap((p) => p.paths)]);
    for (const rel of wanted) {
      const from = inside(tree, rel, `the series (${rel})`);
      if (!fs.existsSync(from) || !fs.statSync(from).isFile()) continue;
      fs.mkdirSync(path.dirname(path.join(copy, rel)), { recursive: true });
      fs.copyFileSync(from, path.join(copy, rel));
    }
    const gmemOf = (): { file: string; text: Buffer } | undefined => {
      const file = GMEM_FILES.find((f) => fs.existsSync(path.join(copy, f)));
      return file ? { file, text: fs.readFileSync(path.join(copy, file)) } : undefined;
    };
    const stateOf = (label: string, extra: Partial<State>): State => {
      const g = gmemOf();
      return { label, ...extra, ...(g ? { file: g.file, dir: snapshots.add(g.file, g.text) } : {}) };
    };
    let had = gmemOf()?.file;
    const states: State[] = [stateOf('the tree', {})];
    const untouched: Patch[] = [];
    patches.forEach((p, i) => {
      // git apply in a folder that is not a repository applies to the files there; the ceiling
      // keeps git from finding a repository above the temporary folder
      const env = { GIT_CEILING_DIRECTORIES: path.dirname(copy) };
      const check = git(['apply', '--check', '-'], { cwd: copy, input: p.diff, env });
      if (check.status !== 0) {
        // the commonest cause: the tree already has it (the branch under review is checked out)
        const applied = git(['apply', '--check', '--reverse', '-'], { cwd: copy, input: p.diff, env }).status === 0;
        const hint = applied ? `; it applies in reverse, so the tree seems to have it already: give the tree before it (or use --rev BASE..HEAD on a git tree)` : '';
        throw new PatchError(`${patchName(p)} does not apply to ${tree}: ${whichHunk(p.diff, check.stderr)}${hint}`);
      }
      gitOk(['apply', '-'], { cwd: copy, input: p.diff, env });
      if (!p.paths.some((f) => GMEM_FILES.includes(f))) {
        untouched.push(p);
        return;
      }
      const place = patches.length > 1 ? `${i + 1}/${patches.length} ` : '';
      const now = gmemOf()?.file;
      const gone = had && !now ? { gone: goneBy(p.diff, had) } : {};
      had = now;
      states.push(stateOf(`${place}${p.subject}`, { patch: { file: p.file, ...(p.message ? { message: p.message } : {}), subject: p.subject }, ...gone }));
    });
    return { states, patches, skipped, untouched };
  } catch (e) {
    if (e instanceof GitError) throw new PatchError(e.message);
    throw e;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
