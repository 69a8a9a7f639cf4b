// npm run stress: the verdicts under load. For K rounds, with N CPU-burning processes competing
// (default 4 on this 2-core machine), it runs `npm run check` (isolated, default run count, a
// fresh seed each round) and the command-line test suites, and fails on any verdict that differs
// from its expectation, any report written, or any change to the tracked tree.
//
//   npm run stress -- [--rounds K] [--burners N] [--runs R]

import { ChildProcess, spawn, spawnSync } from 'child_process';
import path from 'path';
import { parseArgs } from 'util';

const ROOT = path.join(__dirname, '..');
/** The suites that run the command as a user does, child processes and all. */
const COMMAND_SUITES = ['test/command-flags.test.ts', 'test/command-robustness.test.ts', 'test/hostile.test.ts', 'test/isolation-wait.test.ts'];

function options(argv: string[]): { rounds: number; burners: number; runs: number } {
  const { values: o } = parseArgs({ args: argv, options: { rounds: { type: 'string' }, burners: { type: 'string' }, runs: { type: 'string' } }, strict: true });
  const whole = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} needs a whole number, got "${raw}"`);
    return n;
  };
  return { rounds: whole('rounds', o.rounds, 10), burners: whole('burners', o.burners, 4), runs: whole('runs', o.runs, 1000) };
}

/** `git status --porcelain`: tracked changes and untracked files, which a run must leave as they were. */
const treeState = () => spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' }).stdout;

function burners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

const loadAverage = () => Number(require('fs').readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

interface Round {
  readonly seed: number;
  readonly falseVerdicts: string[];
  readonly suites: 'pass' | 'FAIL';
  readonly treeChanged: string;
  readonly load: number;
}

function round(seed: number, runs: number, before: string): Round {
  const check = spawnSync(process.execPath, ['properties/command/bin.js', '--json', `--seed=${seed}`, '--runs', String(runs)], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20,
  });
  const falseVerdicts: string[] = [];
  try {
    const out = JSON.parse(check.stdout) as { exitCode: number; verdicts: Array<{ variant: string; property: string; matches: boolean; violations: string[] }> };
    for (const v of out.verdicts.filter((x) => !x.matches)) falseVerdicts.push(`${v.variant} ${v.property}: ${v.violations[0] ?? ''}`);
    if (out.exitCode !== 0 && falseVerdicts.length === 0) falseVerdicts.push(`npm run check exited ${out.exitCode}`);
  } catch {
    falseVerdicts.push(`npm run check printed no JSON (exit ${check.status}): ${check.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  }
  const load = loadAverage();
  const suites = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...COMMAND_SUITES], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (suites.status !== 0) process.stderr.write(suites.stderr.split('\n').filter((l) => /●|✕/.test(l)).join('\n') + '\n');
  const after = treeState();
  return { seed, falseVerdicts, suites: suites.status === 0 ? 'pass' : 'FAIL', treeChanged: after === before ? '' : after, load };
}

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = options(argv);
  } catch (e) {
    console.error(`stress: ${(e as Error).message}\nusage: npm run stress -- [--rounds K] [--burners N] [--runs R]`);
    return 2;
  }
  const { rounds, burners: n, runs } = parsed;
  const before = treeState();
  const burning = burners(n);
  const kill = () => { for (const b of burning) b.kill('SIGKILL'); };
  process.on('exit', kill);
  let bad = 0;
  try {
    console.log(`stress: ${rounds} rounds, ${n} CPU burners, ${runs} cases per property\n`);
    console.log('round  seed        load  false verdicts  command suites  tree');
    for (let i = 1; i <= rounds; i++) {
      const seed = (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
      const r = round(seed, runs, before);
      const ok = r.falseVerdicts.length === 0 && r.suites === 'pass' && r.treeChanged === '';
      if (!ok) bad++;
      console.log(`${String(i).padEnd(6)} ${String(seed).padEnd(11)} ${r.load.toFixed(1).padStart(5)}  ${String(r.falseVerdicts.length).padEnd(14)}  ${r.suites.padEnd(14)}  ${r.treeChanged ? 'CHANGED' : 'unchanged'}`);
      for (const f of r.falseVerdicts) console.log(`       ! ${f}`);
      if (r.treeChanged) console.log(r.treeChanged.replace(/^/gm, '       ! '));
    }
  } finally {
    kill();
  }
  console.log(bad === 0 ? `\n${rounds} rounds: no false verdict, no report written, tree unchanged` : `\n${bad} of ${rounds} rounds went wrong`);
  return bad === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
