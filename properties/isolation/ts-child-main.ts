// Inside a TypeScript variant's child process: load the variant file (its top-level code runs
// here, never in the command), say "ready" with its name and expectations, then run each case
// read on stdin and write its call log, closed by "end SEQ", on descriptor 3. The variant's
// console output goes to stdout and stderr, which the supervisor keeps apart from the log.
//
// The variant can break this process but not silence it: the log is written with built-ins
// captured before the file loaded (builtins.ts), a built-in the case replaced is put back and
// fails the case by name, and a case's reply waits for the timers it set, so an error its work
// throws after it returned is pinned on it (late-work.ts). Cases run one after another, each
// after the last one's work is done.

import { Snapshot, json, restoreBuiltins, snapshotBuiltins, writeAll } from './builtins';
import { CaseWork, afterWork, asCase, takeOrphans } from './late-work';
import { Kernel, NewMemslot, makeKernel } from '../../model/kernel';
import { Phase } from '../../model/kvm';
import { callsOf } from '../engine/execute';
import { VariantFault } from '../../model/kvm';
import { Variant } from '../../model/variant';
import { loadVariantFile } from '../registry';
import { loggedKernel } from './logged-kernel';
import { decodeRequest } from './ts-wire';

const PROTOCOL_FD = 3;
const exit = process.exit.bind(process);

/**
 * A case's log as it is written: lines joined by string concatenation, which no variant can
 * replace. `stream`: each line is sent as it is pushed (a hang's confirming run).
 */
class CaseLog {
  private text = '';
  stream = false;
  push(line: string): void {
    this.text += `${line}\n`;
    if (this.stream) this.flush();
  }
  flush(): void {
    if (this.text) writeAll(PROTOCOL_FD, this.text);
    this.text = '';
  }
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

/**
 * Runs one case, sending its log as it goes (before each step, what is logged so far, so a hang is
 * placed in its step); once its work is done, its late errors, a built-in it replaced, and its end.
 */
/** A bind request's step: the variant's kvm_gmem_bind() on the new slot; its answer and slot->gmem.pgoff, as the log's "bound" line. */
function bindStep(v: Variant, k: Kernel, b: NonNullable<ReturnType<typeof decodeRequest>['bind']>): string {
  if (!v.bind) throw new Error('the variant has no bind(): it cannot be given a bind request');
  const slot: NewMemslot = { id: b.id, base_gfn: b.base_gfn, npages: b.npages, gmem: { pgoff: 0n } };
  const ret = v.bind(k, slot, b.offset);
  if (typeof ret !== 'number' || !Number.isSafeInteger(ret)) throw new Error(`kvm_gmem_bind() must return an int, got ${typeof ret} ${String(ret)}`);
  return `bound ${ret} ${typeof slot.gmem.pgoff === 'bigint' && slot.gmem.pgoff >= 0n ? slot.gmem.pgoff : 'bad'}`;
}

function runCase(v: Variant, builtins: Snapshot, line: string, next: () => void): void {
  const log = new CaseLog();
  // a bind request's log opens with its own phase; anything else's (a line that does not decode too) with begin
  let opened = false;
  // an error that fired between cases belongs to no case, and this reply says so
  const orphans = takeOrphans();
  let seq = -1;
  let work: CaseWork | undefined;
  /** A built-in a step replaced, put back at once: the first such step is the case's fault. */
  let broke: { phase: Phase; changed: string[]; unrestored: string[] } | undefined;
  const checkBuiltins = (phase: Phase) => {
    const r = restoreBuiltins(builtins);
    if (r.changed.length && !broke) broke = { phase, ...r };
  };
  try {
    const r = decodeRequest(line);
    seq = r.seq;
    log.stream = r.stream === true;
    const first: Phase = r.bind ? 'bind' : 'begin';
    log.push(`phase ${first}`);
    opened = true;
    const w: CaseWork = work = { seq, phase: first, pending: new Set(), errors: [], done: false };
    const machine = loggedKernel(makeKernel(r.layout, r.word), log);
    machine.recorder.phase = first;
    // a phase entered inside a conversion is logged and sent at once, as each step's is
    const enter = (p: Phase) => { log.push(`phase ${p}`); machine.recorder.phase = w.phase = p; log.flush(); };
    try {
      if (r.bind) {
        const b = r.bind;
        log.flush();
        try {
          log.push(asCase(w, () => bindStep(v, machine.kernel, b)));
        } finally {
          checkBuiltins('bind');
        }
      } else {
        const call = callsOf(v, machine, { kind: 'invalidate', start: r.start, end: r.end, ...(r.view !== undefined ? { view: r.view } : {}), ...(r.convert ? { convert: r.convert } : {}) }, enter);
        call.steps.forEach((step, i) => {
          if (i > 0 || step.phase !== 'begin') log.push(`phase ${step.phase}`);
          machine.recorder.phase = w.phase = step.phase;
          log.flush();
          try {
            asCase(w, () => step.run(r.start, r.end));
          } finally {
            checkBuiltins(step.phase);
          }
        });
      }
    } catch (e) {
      const what = e instanceof VariantFault ? 'fault' : 'throw';
      log.push(`${what} ${machine.recorder.phase} ${json(describe(e))}`);
    }
  } catch (e) {
    // the harness's own part of the case failed: the variant changed what it runs on
    if (!opened) log.push('phase begin');
    log.push(`throw begin ${json(`BrokenRuntime: the variant's process could not run the case (${describe(e)})`)}`);
  }
  const finish = () => {
    if (work) work.done = true;
    // what the case's work did after its steps returned (its timers' callbacks) counts as the case's too
    checkBuiltins(work?.phase ?? 'begin');
    if (broke) {
      const { phase, changed, unrestored } = broke;
      const names = changed.length > 4 ? `${changed.slice(0, 4).join(', ')} and ${changed.length - 4} more` : changed.join(', ');
      log.push(`throw ${phase} ${json(`BrokenRuntime: it replaced ${names}, JavaScript built-in${changed.length > 1 ? 's' : ''} the variant's process runs on; ` +
        `${unrestored.length ? 'they cannot be put back: the process ends' : 'put back for the next case'}`)}`);
    }
    const late = work?.errors ?? [];
    if (late.length) log.push(`throw ${late[0].phase} ${json(late[0].text)}`);
    else if (orphans.length) log.push(`throw begin ${json(orphans[0])}`);
    log.push(`end ${seq}`);
    log.flush();
    if (broke?.unrestored.length) exit(70);
    next();
  };
  if (work) afterWork(work, finish);
  else finish();
}

/** Reads cases on stdin and runs them one at a time, each after the last one's work is done. */
function serve(v: Variant, builtins: Snapshot): void {
  let partial = '';
  const queue: string[] = [];
  let busy = false;
  const next = () => {
    const line = queue.shift();
    busy = line !== undefined;
    if (line !== undefined) runCase(v, builtins, line, next);
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line) queue.push(line);
    if (!busy) next();
  });
  process.stdin.on('end', () => exit(0));
}

const file = process.argv[2];
let variant: Variant | undefined;
try {
  variant = loadVariantFile(file);
} catch (e) {
  writeAll(PROTOCOL_FD, `ready ${json({ error: e instanceof Error ? e.message : String(e) })}\n`);
}
if (variant) {
  const { name, origin, expect } = variant;
  const { vmTypes, takes, bindEra } = variant as { vmTypes?: unknown; takes?: unknown; bindEra?: unknown };
  // which of the split era's functions it has, and whether it has a bind: they decide the cases it gets (properties/arbitraries.ts)
  const has = (['zap', 'release_zap', 'convert', 'bind'] as const).filter((fn) => typeof variant![fn] === 'function');
  // the built-ins as the file's top-level code left them: what a case changes after this is put back
  const builtins = snapshotBuiltins();
  writeAll(PROTOCOL_FD, `ready ${json({ name, origin, expect, vmTypes: vmTypes ?? null, takes: takes ?? null, bindEra: bindEra ?? null, has })}\n`);
  serve(variant, builtins);
} else {
  process.stdin.resume();
  process.stdin.on('end', () => exit(0));
}
