// The command whose stdout's reader goes away (`npm run check | head -1`): no stack trace, its
// reports saved whole, and the exit status its verdicts or its failure call for, as if its output
// had been read.

import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ROOT, scratchFolders } from './command-helpers';
import { loadReports } from '../properties/reports/store';

const { scratch, cleanup } = scratchFolders();
const folders: string[] = [];
afterAll(() => {
  cleanup();
  for (const d of folders) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * The bin with its stdout's reader gone before it writes anything (head's is gone after its first
 * line; closing it after a first chunk would race the command's next writes into the pipe's buffer).
 */
function withStdoutClosed(args: string[]): Promise<{ code: number | null; err: string; reports: string }> {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'closed-out-'));
  folders.push(reports);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['properties/command/bin.js', ...args, '--runs', '50', '--no-typecheck'], {
      cwd: ROOT, env: { ...process.env, REPORTS_DIR: reports, FC_SEED: '5' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, err, reports }));
  });
}

test('a closed stdout ends the output, not the run: no stack trace, the reports saved whole, and exit 0, 1 or 2 as the verdicts or the failure call for', async () => {
  const dir = scratch({
    // buggy, declared to pass everything: its verdicts differ (exit 1), and its failures are saved
    'strict.ts': `import buggy from '../variants/buggy';\nimport { expectations } from '../model/variant';\nexport default { ...buggy, name: 'strict-buggy', expect: expectations() };\n`,
    'boom.ts': `throw new Error('boom');\nexport {};\n`,
  });
  const upstream = path.join(ROOT, 'variants', 'upstream.ts');
  const [ok, differs, broken] = await Promise.all([
    withStdoutClosed([upstream]),
    withStdoutClosed([path.join(dir, 'strict.ts'), '--json']),
    withStdoutClosed([upstream, path.join(dir, 'boom.ts')]), // a table for upstream, and a broken file
  ]);
  expect([ok.code, differs.code, broken.code]).toEqual([0, 1, 2]);
  for (const r of [ok, differs, broken]) {
    expect(r.err).not.toMatch(/EPIPE|\n\s+at /);
    expect(fs.readdirSync(r.reports).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }
  expect(broken.err).toContain('boom.ts: threw at import: Error: boom');
  expect(loadReports(differs.reports).length).toBeGreaterThan(0); // each one whole: every record reads and passes the schema
}, 60000);
