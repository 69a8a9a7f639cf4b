// Runs the command as a developer does, in a scratch folder beside variants/ so a variant file's
// imports resolve as in the README, with reports in a temporary folder: check() as a child
// process through the bin npm run check runs; checkHere() calls its main() in this process,
// where a child process proves nothing more (the variants still run in processes of their own).

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { main } from '../properties/command/main';
import { outputErrors } from './output-schema';

export const ROOT = path.join(__dirname, '..');

/** The temporary reports folders this test file's runs made, removed when it ends. */
const reportFolders: string[] = [];
afterAll(() => { for (const d of reportFolders.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
function reportsFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmd-reports-'));
  reportFolders.push(dir);
  return dir;
}

export interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly reports: string;
}

/**
 * With --json, stdout is one object that docs/check-output.schema.json accepts, or nothing (a run
 * that stops before its verdicts): every --json run of these suites is held to it.
 */
function conforms(args: readonly string[], out: string): void {
  if (args.includes('--json') && out !== '') expect(outputErrors(out)).toEqual([]);
}

export function check(args: string[], env: Record<string, string> = {}): Ran {
  const reports = reportsFolder();
  const r = spawnSync(process.execPath, ['properties/command/bin.js', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, REPORTS_DIR: reports, FC_SEED: '5', ...env },
    // a command that never returns fails its test (status null) instead of stalling the suite
    timeout: 240_000, killSignal: 'SIGKILL',
  });
  conforms(args, r.stdout);
  return { code: r.status, out: r.stdout, err: r.stderr, reports };
}

/** check(), but main() in this process, with the same environment for the run's length. */
export function checkHere(args: string[], env: Record<string, string> = {}): Ran {
  const reports = reportsFolder();
  const set: Record<string, string> = { REPORTS_DIR: reports, FC_SEED: '5', ...env };
  const before = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]));
  Object.assign(process.env, set);
  let out = '', err = '';
  try {
    const code = main(args, { out: (t) => { out += t; }, err: (t) => { err += t; } });
    conforms(args, out);
    return { code, out, err, reports };
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Whether a process with this pid is running (EPERM: it is, as another user's). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let scratchMade = 0;
/**
 * A scratch folder named by its test file and its place in that file's run (.scratch-FILE-N), the
 * same on every run: the caches keyed by a variant file's path (its type check, its transpiled
 * text) hold it on a warm run, as they hold a user's file that stays where it is. A run claims it
 * by creating the pid file beside it, which one run alone can do; a folder another run holds
 * (or is claiming: its pid not yet written) gets a fresh random name instead, and the claim of a
 * run that was killed is moved aside, by one run alone, and made again.
 */
function claimScratch(): string {
  const file = path.basename(expect.getState().testPath ?? 'suite').replace(/\.test\.ts$/, '');
  const dir = path.join(ROOT, `.scratch-${file}-${++scratchMade}`), owner = `${dir}.owner`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(owner, String(process.pid), { flag: 'wx' });
      fs.rmSync(dir, { recursive: true, force: true }); // what a killed run left in it
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid: number;
    try {
      pid = Number(fs.readFileSync(owner, 'utf8'));
    } catch {
      continue; // given up meanwhile: claim it again
    }
    if (!(pid > 0) || running(pid)) break;
    const aside = `${owner}.${process.pid}`;
    try {
      fs.renameSync(owner, aside);
    } catch {
      continue; // another run moved it first
    }
    const moved = fs.readFileSync(aside, 'utf8');
    if (Number(moved) !== pid) { // a live claim made since it was read: given back
      fs.renameSync(aside, owner);
      break;
    }
    fs.rmSync(aside);
  }
  return fs.mkdtempSync(path.join(ROOT, '.scratch-'));
}

/** Scratch folders made by one test file, removed by it (never another file's). */
export function scratchFolders() {
  const made: string[] = [];
  return {
    scratch(files: Record<string, string>): string {
      const dir = claimScratch();
      made.push(dir);
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      return dir;
    },
    cleanup(): void {
      for (const d of made.splice(0)) {
        fs.rmSync(d, { recursive: true, force: true });
        fs.rmSync(`${d}.owner`, { force: true });
      }
    },
  };
}
