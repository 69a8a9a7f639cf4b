// The solver's process ends with the prove command that started it, however the command ends:
// interrupted (SIGTERM, as Ctrl-C's SIGINT) or killed outright. The fixture's queries keep z3
// busy for minutes, so the command is stopped while its solver is in the middle of one.

import { ChildProcess, spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { statOf } from '../properties/isolation/proc-stat';
import { ROOT } from './command-helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'prover', 'u32-casts.c');

/** The pid of the solver process whose parent is `ppid`, if there is one. */
function solverOf(ppid: number): number | undefined {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (statOf(pid)?.ppid === ppid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('solver-child.js')) return Number(pid);
    } catch { /* gone */ }
  }
  return undefined;
}

/** CPU the process has used, in ms (0 once it is gone). */
const cpuMsOf = (pid: number) => statOf(pid)?.own ?? 0;

const alive = (pid: number) => { const s = statOf(pid); return s !== undefined && s.state !== 'Z'; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: () => T | undefined, ms: number): Promise<T | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    const x = what();
    if (x !== undefined) return x;
  }
  return undefined;
}

/** The command started on the fixture, once its solver has been busy a while (in a long query). */
async function busyProve(): Promise<{ cmd: ChildProcess; solver: number; out: () => string }> {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'prove-lifetime-'));
  const cmd = spawn(process.execPath, ['-r', './properties/isolation/register.js', 'properties/command/prove.ts', FIXTURE, '--reports-dir', reports], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  cmd.stdout!.on('data', (d) => { out += d; });
  // a solver restarted after a query it did not survive is another process: the busy one is the one asked
  const solver = await waitFor(() => { const s = solverOf(cmd.pid!); return s !== undefined && cpuMsOf(s) >= 6000 ? s : undefined; }, 90_000);
  if (solver === undefined) throw new Error('the command\'s solver was never busy');
  return { cmd, solver, out: () => out };
}

const skip = process.platform === 'linux' ? test : test.skip;

skip.each(['SIGTERM', 'SIGKILL'] as const)('the solver process ends when the prove command gets %s in the middle of a query', async (sig) => {
  const { cmd, solver } = await busyProve();
  expect(alive(solver)).toBe(true);
  const ended = new Promise<NodeJS.Signals | null>((r) => cmd.on('exit', (_code, s) => r(s)));
  cmd.kill(sig);
  expect(await ended).toBe(sig);
  // before the fix it went on, reparented to PID 1, until z3 answered (minutes)
  expect(await waitFor(() => (alive(solver) ? undefined : true), 5000)).toBe(true);
}, 180_000);
