// Runs the command as a developer does (a child process, through the bin npm run check runs), in a scratch folder beside variants/
// so a variant file's imports resolve as in the README, with reports in a temporary folder.

import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

export const ROOT = path.join(__dirname, '..');
export const USER = path.join(__dirname, 'fixtures', 'user-variants');

export function check(args: string[], env: Record<string, string> = {}) {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'cmd-reports-'));
  const r = spawnSync(process.execPath, ['properties/command/bin.js', ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, REPORTS_DIR: reports, FC_SEED: '5', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, reports };
}

/** Scratch folders made by one test file, removed by it (never another file's). */
export function scratchFolders() {
  const made: string[] = [];
  return {
    scratch(files: Record<string, string>): string {
      const dir = fs.mkdtempSync(path.join(ROOT, '.scratch-'));
      made.push(dir);
      for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
      return dir;
    },
    cleanup(): void {
      for (const d of made) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}
