// Inside a TypeScript variant's child process: load the variant file (its top-level code runs
// here, never in the command), say "ready" with its name and expectations, then run each case
// read on stdin and write its call log, closed by "end SEQ", on descriptor 3. The variant's
// console output goes to stdout and stderr, which the supervisor keeps apart from the log.

import fs from 'fs';
import { makeKernel } from '../../model/kernel';
import { Phase } from '../../model/kvm';
import { callsOf } from '../engine/execute';
import { VariantFault } from '../../model/kvm';
import { Variant } from '../../model/variant';
import { loadVariantFile } from '../registry';
import { loggedKernel } from './logged-kernel';
import { decodeRequest } from './ts-wire';

const PROTOCOL_FD = 3;

function send(text: string): void {
  const buf = Buffer.from(text);
  for (let done = 0; done < buf.length;) done += fs.writeSync(PROTOCOL_FD, buf, done);
}

/** The error, and where in the variant's own file it was thrown (the first frame there), if it was. */
function describe(e: unknown): string {
  try {
    if (!(e instanceof Error)) return String(e);
    const file = process.argv[2];
    const frame = typeof e.stack === 'string' && file ? e.stack.split('\n').find((l) => l.includes(file)) : undefined;
    const at = frame ? /(\d+):(\d+)\)?\s*$/.exec(frame) : null;
    return `${e.name}: ${e.message}${at ? ` (at ${file}:${at[1]}:${at[2]})` : ''}`;
  } catch {
    return 'an exception that cannot be printed';
  }
}

/** Runs one case, sending its log as it goes: before each step, what is logged so far, so a hang is placed in its step. */
function runCase(v: Variant, line: string): void {
  const r = decodeRequest(line);
  const log: string[] = ['phase begin'];
  const flush = () => { if (log.length) send(log.splice(0).join('\n') + '\n'); };
  const machine = loggedKernel(makeKernel(r.layout, r.word), log);
  // a phase entered inside a conversion is logged and sent at once, as each step's is
  const enter = (p: Phase) => { log.push(`phase ${p}`); machine.recorder.phase = p; flush(); };
  try {
    const call = callsOf(v, machine, { kind: 'invalidate', start: r.start, end: r.end, ...(r.view !== undefined ? { view: r.view } : {}), ...(r.convert ? { convert: r.convert } : {}) }, enter);
    call.steps.forEach((step, i) => {
      if (i > 0 || step.phase !== 'begin') log.push(`phase ${step.phase}`);
      machine.recorder.phase = step.phase;
      flush();
      step.run(r.start, r.end);
    });
  } catch (e) {
    const what = e instanceof VariantFault ? 'fault' : 'throw';
    log.push(`${what} ${machine.recorder.phase} ${JSON.stringify(describe(e))}`);
  }
  log.push(`end ${r.seq}`);
  flush();
}

function serve(v: Variant): void {
  let partial = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line) runCase(v, line);
  });
  process.stdin.on('end', () => process.exit(0));
}

const file = process.argv[2];
let variant: Variant | undefined;
try {
  variant = loadVariantFile(file);
} catch (e) {
  send(`ready ${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
}
if (variant) {
  const { name, origin, expect } = variant;
  const { vmTypes, takes } = variant as { vmTypes?: unknown; takes?: unknown };
  // which of the split era's functions it has: they decide the cases it gets (properties/arbitraries.ts)
  const has = (['zap', 'release_zap', 'convert'] as const).filter((fn) => typeof variant![fn] === 'function');
  send(`ready ${JSON.stringify({ name, origin, expect, vmTypes: vmTypes ?? null, takes: takes ?? null, has })}\n`);
  serve(variant);
} else {
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
