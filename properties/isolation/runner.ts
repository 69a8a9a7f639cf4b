// The runner of one variant in its own child process (a compiled C program, or Node running a
// TypeScript variant): each case is resolved by the model in the command (layout, caller,
// reference), sent in batches, and the call log that comes back is replayed into the Outcome
// (log.ts). Outcomes are cached per case, so the properties, which fast-check
// feeds the same cases for one seed, run each case once.
//
// A hang is only a hang once confirmed: a case that used its limit of CPU (or, using none,
// stayed blocked) is run again alone in a fresh process with twice the limits. If it returns
// there, its outcome stands and the run goes on; if not, the hang is confirmed and every later
// case of this variant is "not run", at no cost. The runner also keeps, per process, the order
// in which cases ran, so a failure can be replayed alone and after its history (probe()).

import { Case, caseKey } from '../case';
import { Outcome, prepare, runsVariant } from '../engine/execute';
import { LogSource, NativeHarnessError, replayLog } from './log';
import { Limits, Reply, SyncChild, SyncChildOptions } from './sync-child';

export interface ChildProgram extends LogSource {
  readonly child: SyncChildOptions;
  /**
   * The request line of a case that reaches the invalidation or kvm_gmem_bind(); `seq` is its
   * place in the batch. `stream`: the child sends each call as it logs it, not a step at a time,
   * so a case that never returns still tells every call it made (a write per call: for a hang's
   * confirming run only).
   */
  encode(seq: number, base: Outcome, stream?: boolean): string;
}

export interface RunnerOptions {
  /** CPU time per case before it is a hang candidate (default 2000 ms). */
  readonly timeoutMs?: number;
  /** Cases per batch written to the child (default 512). */
  readonly batchSize?: number;
  /** Outcomes kept, the least recently used dropped first (default 20000). */
  readonly cacheLimit?: number;
}

/** A confirmed hang: the case, and what both runs used. */
export interface Hang {
  readonly case: Case;
  readonly message: string;
  /** The case's outcome: every call the variant made before it hung (its confirming run sent each), and the step it hung in. */
  readonly outcome: Outcome;
}

export { caseKey } from '../case';

/** A child that uses no CPU is a hang candidate after this many CPU limits of wall time. */
const BLOCKED_FACTOR = 4;
/** The confirming run's limits are this many times the first's. */
const CONFIRM_FACTOR = 2;
/** Cases of a process's history kept for replaying a failure after them; older ones are dropped. */
const HISTORY_LIMIT = 100_000;

const limitsFor = (timeoutMs: number, factor = 1): Limits => ({ limitMs: timeoutMs * factor, blockedMs: timeoutMs * BLOCKED_FACTOR * factor });

function hangStory(first: Extract<Reply, { kind: 'hang' }>, second: Extract<Reply, { kind: 'hang' }>): string {
  const used = (r: Extract<Reply, { kind: 'hang' }>) => r.blocked
    ? `used ${Math.max(0, r.cpuMs)} ms of CPU and stayed blocked for ${r.wallMs} ms`
    : `used ${r.cpuMs} ms of CPU (its limit, ${r.limitMs} ms) in ${r.wallMs} ms`;
  return `hang, confirmed: the case did not return and ${used(first)}; run again alone in a fresh process with twice the limits, it ${used(second)} without returning`;
}

export class ChildRunner {
  private readonly child: SyncChild;
  private readonly cache = new Map<string, Outcome>();
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly cacheLimit: number;
  /** Cases in the order the current process ran them, and where each cached outcome ran. */
  private history: Case[] = [];
  private readonly ranAt = new Map<string, { readonly history: Case[]; readonly at: number }>();
  private readonly historyIds = new WeakMap<Case[], number>();
  private lastHistoryId = 0;
  /** Cases sent to a child and batches sent, for measuring; hang confirmations run, for the hostile-variant test. */
  sent = 0;
  exchanges = 0;
  confirmations = 0;
  hung?: Hang;
  private starting?: number;
  private hello?: string;
  private plan: readonly Case[] = [];
  private planAt = new Map<string, number>();

  constructor(readonly program: ChildProgram, opts: RunnerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    // a start-up may use a few limits of CPU (a cold transpile cache), never an endless loop's worth
    this.child = new SyncChild({ startupCpuMs: Math.max(2000, 4 * this.timeoutMs), ...program.child });
    this.batchSize = opts.batchSize ?? 512;
    this.cacheLimit = opts.cacheLimit ?? 20000;
  }

  /** Starts the child without waiting (children of several variants start together): then start(). */
  begin(): void {
    this.starting ??= this.child.beginStart();
  }

  /** Waits for the child to start; its first line after "ready", or throws why it did not start. */
  start(): string {
    if (this.hello !== undefined) return this.hello;
    this.begin();
    const { hello, why } = this.child.started(this.starting!);
    if (hello === null || !hello.startsWith('ready')) {
      this.close();
      throw new NativeHarnessError(`${this.program.who}: the variant's process did not start: ${why ?? `it said "${hello}"`}`);
    }
    return (this.hello = hello.slice('ready'.length).trim());
  }

  run(c: Case): Outcome {
    const key = caseKey(c);
    const hit = this.cached(key);
    if (hit) return hit;
    const at = this.planAt.get(key);
    if (at !== undefined) this.readAhead(at);
    return this.cached(key) ?? this.runMany([c])[0];
  }

  /**
   * The cases a check will ask for, in order (fast-check's, for its seed): a case of the plan not
   * in the cache is sent with the next batch of the plan after it, so a long run goes in batches
   * however many cases it has, holding only the cache's worth of outcomes.
   */
  setPlan(items: readonly Case[]): void {
    this.plan = items;
    this.planAt = new Map();
    items.forEach((c, i) => {
      const k = caseKey(c);
      if (!this.planAt.has(k)) this.planAt.set(k, i);
    });
    // nothing is sent yet: the saved cases a check replays first must run before any of these
  }

  private readAhead(from: number): void {
    const batch: Array<readonly [string, Case]> = [];
    const seen = new Set<string>();
    for (let i = from; i < this.plan.length && batch.length < this.batchSize; i++) {
      const k = caseKey(this.plan[i]);
      if (!this.cache.has(k) && !seen.has(k)) {
        seen.add(k);
        batch.push([k, this.plan[i]]);
      }
    }
    if (batch.length) this.runBatch(batch, true);
  }

  /** The outcomes of cases, in order; those not cached are run in batches. */
  runMany(items: readonly Case[]): Outcome[] {
    const keys = items.map(caseKey);
    const todo = new Map<string, Case>();
    keys.forEach((k, i) => { if (!this.cache.has(k)) todo.set(k, items[i]); });
    const pending = [...todo];
    for (let i = 0; i < pending.length; i += this.batchSize) this.runBatch(pending.slice(i, i + this.batchSize));
    // a list longer than the cache has evicted its own first outcomes: run those again
    return keys.map((k, i) => this.cached(k) ?? this.runBatch([[k, items[i]]])[0]);
  }

  /**
   * The cases the process that ran c had run, oldest first, and where c is among them: its
   * history is history.slice(0, at). `id` names that process's history.
   */
  historyOf(c: Case): { readonly id: number; readonly history: readonly Case[]; readonly at: number } | undefined {
    const where = this.ranAt.get(caseKey(c));
    if (!where) return undefined;
    let id = this.historyIds.get(where.history);
    if (id === undefined) this.historyIds.set(where.history, (id = ++this.lastHistoryId));
    return { id, history: where.history, at: where.at };
  }

  /**
   * A fresh process that has run `history` (outcomes discarded): run() executes cases there,
   * in order, uncached. For confirming a failure alone or after the cases before it.
   */
  probe(history: readonly Case[]): { run: (c: Case) => Outcome; close: () => void } {
    const fresh = new ChildRunner(this.program, { timeoutMs: this.timeoutMs, batchSize: this.batchSize, cacheLimit: 0 });
    fresh.start();
    const all = history.map((c) => [caseKey(c), c] as const);
    for (let i = 0; i < all.length; i += this.batchSize) fresh.runBatch(all.slice(i, i + this.batchSize));
    return {
      run: (c) => (fresh.hung ? this.notRun(c) : fresh.runBatch([[caseKey(c), c]])[0]),
      close: () => fresh.close(),
    };
  }

  close(): void {
    this.child.close();
  }

  private notRun(c: Case): Outcome {
    const base = prepare(c, this.program.word);
    if (!runsVariant(base.resolved)) return base;
    const phase = base.resolved.kind === 'bind' ? 'bind' : 'begin';
    return { ...base, fault: { phase, message: `not run: the variant hung on an earlier case (${this.hung?.message ?? 'in this process'})`, notRun: true } };
  }

  /** A cached outcome, marked as recently used (a Map keeps insertion order: oldest first). */
  private cached(key: string): Outcome | undefined {
    const o = this.cache.get(key);
    if (o) {
      this.cache.delete(key);
      this.cache.set(key, o);
    }
    return o;
  }

  private remember(key: string, o: Outcome): void {
    if (this.cacheLimit === 0) return;
    this.cache.set(key, o);
    if (this.cache.size > this.cacheLimit) {
      for (const old of this.cache.keys()) {
        this.cache.delete(old);
        this.ranAt.delete(old);
        if (this.cache.size <= this.cacheLimit * 0.9) break;
      }
    }
  }

  /**
   * Runs a batch, confirming any hang candidate before anything after it runs. After a case the
   * process died on, the child is started again for the rest; a `speculative` batch (cases read
   * ahead, that no property has asked for yet) stops there instead: a variant that dies on every
   * case pays a start-up per case it is asked for, not per case it might be.
   */
  private runBatch(batch: ReadonlyArray<readonly [string, Case]>, speculative = false): Outcome[] {
    const outcomes: Array<Outcome | undefined> = new Array(batch.length);
    const waiting: Array<{ at: number; base: Outcome }> = [];
    batch.forEach(([, c], at) => {
      // the caller through the model's front end: only a case that reaches the invalidation (or kvm_gmem_bind()) runs
      const base = prepare(c, this.program.word);
      if (!runsVariant(base.resolved)) outcomes[at] = base;
      else waiting.push({ at, base });
    });
    let next = 0;
    const notRun = new Set<number>();
    while (next < waiting.length) {
      if (this.hung) {
        for (const { at, base } of waiting.slice(next)) {
          outcomes[at] = this.notRun(base.case);
          notRun.add(at);
        }
        break;
      }
      const rest = waiting.slice(next);
      const replies = this.child.exchange(rest.map(({ base }, seq) => this.program.encode(seq, base)), limitsFor(this.timeoutMs));
      this.sent += rest.length;
      this.exchanges++;
      let died = false;
      for (let i = 0; i < rest.length; i++) {
        const { at, base } = rest[i];
        const r = replies[i];
        if (r.kind === 'not-run') break; // after a hang candidate or a death: the rest goes again
        next++;
        if (this.history.length >= HISTORY_LIMIT) this.history = this.history.slice(HISTORY_LIMIT / 2);
        this.history.push(base.case);
        this.ranAt.set(batch[at][0], { history: this.history, at: this.history.length - 1 });
        if (r.kind === 'hang') {
          outcomes[at] = this.confirmHang(base, r);
          break;
        }
        outcomes[at] = this.replayed(base, r);
        if (r.kind !== 'ok') {
          this.history = []; // the process died or was replaced: a new history
          died = true;
        }
      }
      if (died && speculative) break;
    }
    batch.forEach(([k], at) => {
      const o = outcomes[at];
      if (o && !notRun.has(at)) this.remember(k, o);
    });
    return outcomes as Outcome[];
  }

  /** A case's outcome from the child's reply; a bind request the child returned from must have its answer logged. */
  private replayed(base: Outcome, reply: Reply): Outcome {
    const o: Outcome = { ...base, ...replayLog(base.layout, reply, this.program) };
    if (base.resolved.kind !== 'bind' || o.bound || o.fault) return o;
    return { ...o, fault: { phase: 'bind', message: `MalformedOutput: ${this.program.language === 'C' ? 'the C program' : "the variant's process"} logged no answer ("bound") to the bind request` } };
  }

  /** A hang candidate, run again alone in a fresh process with twice the limits. */
  private confirmHang(base: Outcome, first: Extract<Reply, { kind: 'hang' }>): Outcome {
    this.confirmations++;
    const [again] = this.child.exchange([this.program.encode(0, base, true)], limitsFor(this.timeoutMs, CONFIRM_FACTOR), true);
    if (again.kind !== 'hang') {
      this.history = again.kind === 'ok' ? [base.case] : [];
      // it returns when given the chance: the first limit was the machine's, not the variant's
      return this.replayed(base, again);
    }
    const message = hangStory(first, again);
    // what the variant did before it hung, from the confirming run's log: it sent every call
    const before = replayLog(base.layout, again, this.program);
    const outcome: Outcome = { ...base, ...before, fault: { phase: before.fault?.phase ?? 'begin', message, hang: true } };
    this.hung = { case: base.case, message, outcome };
    return outcome;
  }
}
