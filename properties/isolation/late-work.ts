// Inside a TypeScript variant's process: the work a case leaves behind (a timer, an immediate, a
// promise), tracked with async_hooks from the case that made it, so that an error it throws
// after the case returned (an unhandled rejection, a throw in a timer) is pinned on that case,
// and a case's reply waits until its timers have run. An error no case can be named for (work
// of the file's top-level code, or of a case long finished) says it cannot tell whose it is.
// Node would otherwise end the process on such an error, in whichever case came next, or after
// the batch, unseen.

import { createHook, executionAsyncId } from 'async_hooks';
import { Phase } from '../../model/kvm';
import { call } from './builtins';

/** One case, as the work it made knows it. */
export interface CaseWork {
  readonly seq: number;
  /** The phase the case is in (its step), as its work is made. */
  phase: Phase;
  /** Its timers and immediates not yet run: the case's reply waits for them. */
  readonly pending: Set<number>;
  /** The errors its work threw after the step that made it returned, with the step that made it. */
  readonly errors: Array<{ readonly phase: Phase; readonly text: string }>;
  /** True once its reply is sent: later errors of its work cannot be pinned on it any more. */
  done: boolean;
}

const mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapDelete = Map.prototype.delete;
const setAdd = Set.prototype.add, setDelete = Set.prototype.delete;
const weakGet = WeakMap.prototype.get, weakSet = WeakMap.prototype.set;
const errorString = (e: unknown): string => {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : `${typeof e === 'string' ? e : call(Object.prototype.toString, e, [])}`;
  } catch {
    return 'an error that cannot be printed';
  }
};

/** Which case made each async resource, and each promise. */
const owners = new Map<number, { work: CaseWork; phase: Phase; kind: string }>();
const promises = new WeakMap<object, { work: CaseWork; phase: Phase }>();
/** The case whose step is running now (synchronously), if any. */
let running: CaseWork | undefined;
/** Set while the harness itself makes a timer: never a case's. */
let harness = false;

/** Errors that fired with no case to pin them on, for the next reply to carry. */
const orphans: string[] = [];

function ownerHere(): { work: CaseWork; phase: Phase } | undefined {
  if (running) return { work: running, phase: running.phase };
  return call(mapGet, owners, [executionAsyncId()]) as { work: CaseWork; phase: Phase } | undefined;
}

const KINDS: Record<string, string> = { Timeout: 'a timer', Immediate: 'an immediate' };

createHook({
  init(id, type, _trigger, resource) {
    if (harness) return;
    const o = ownerHere();
    if (!o) return;
    call(mapSet, owners, [id, { work: o.work, phase: o.phase, kind: KINDS[type] ?? type }]);
    if (type === 'PROMISE') call(weakSet, promises, [resource as object, o]);
    if (type === 'Timeout' || type === 'Immediate') call(setAdd, o.work.pending, [id]);
  },
  destroy(id) {
    const o = call(mapGet, owners, [id]) as { work: CaseWork } | undefined;
    if (!o) return;
    call(setDelete, o.work.pending, [id]);
    call(mapDelete, owners, [id]);
  },
}).enable();

/** An error of left-behind work: on its case if it is still open, else an orphan, saying whose it was. */
function pin(o: { work: CaseWork; phase: Phase; kind?: string } | undefined, e: unknown, how: string): void {
  const what = errorString(e);
  if (o && !o.work.done) {
    o.work.errors[o.work.errors.length] = { phase: o.phase, text: `${what} (${how}${o.kind ? ` in ${o.kind} it set` : ''}, after it had returned)` };
    return;
  }
  const whose = o ? `work case ${o.work.seq} of an earlier batch left behind` : 'work no case made (the file\'s top-level code, say)';
  orphans[orphans.length] = `${what} (${how}, from ${whose}: the harness cannot tell which case it belongs to)`;
}

// the throw of a timer's callback is handled in that timer's context: its owner is the case that set it
process.on('uncaughtException', (e) => pin(call(mapGet, owners, [executionAsyncId()]) as { work: CaseWork; phase: Phase; kind: string } | undefined, e, 'thrown'));
process.on('unhandledRejection', (reason, promise) => pin(call(weakGet, promises, [promise]) as { work: CaseWork; phase: Phase } | undefined, reason, 'an unhandled promise rejection'));

/** Runs one step of a case as its own: whatever async work it makes is the case's. */
export function asCase<T>(work: CaseWork, f: () => T): T {
  running = work;
  try {
    return f();
  } finally {
    running = undefined;
  }
}

const immediate = setImmediate, timeout = setTimeout;

/**
 * Calls `then` once the case's timers and immediates have run and a turn of the event loop has
 * passed (its promise rejections are reported by then); the case's clock keeps running meanwhile,
 * so a timer that never comes is a case that does not return.
 */
export function afterWork(work: CaseWork, then: () => void): void {
  const wait = () => {
    harness = true;
    try {
      if (work.pending.size > 0) timeout(wait, 1);
      else immediate(then);
    } finally {
      harness = false;
    }
  };
  wait();
}

/** The errors that fired with no case to pin them on since the last call. */
export function takeOrphans(): string[] {
  return orphans.splice(0, orphans.length);
}
