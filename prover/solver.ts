// The solver wrapper: z3 in a child process (solver-child.js), one query at a time. A query is a
// stack of levels the child keeps asserted between queries (incremental solving) and a goal of
// its own. A query's effort is limited by z3's resource count (rlimit), which a loaded machine
// does not change; a child that dies, or does not answer within a generous wall-clock guard,
// makes that one query unknown and is started again for the next. Answers are cached by the
// query's text: variants that share code ask the same questions.

import { ChildProcess, spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync } from 'fs';
import path from 'path';
import readline from 'readline';
import { statOf } from '../properties/isolation/proc-stat';

export type Answer =
  | { readonly status: 'sat'; readonly values: ReadonlyMap<string, bigint>; readonly flags: ReadonlyMap<string, boolean> }
  | { readonly status: 'unsat' }
  | { readonly status: 'unknown'; readonly reason: string };

/** What is asked: whether the levels and the goal (SMT-LIB declarations and assertions) are satisfiable together. */
export interface Query {
  /** Asserted in this order; the child keeps the levels a query shares with the one before it. */
  readonly levels: readonly string[];
  readonly goal: string;
  /** Integer names whose values a model gives, and boolean ones. */
  readonly names: readonly string[];
  readonly flags?: readonly string[];
}

export interface SolverOptions {
  /** z3's rlimit per query: what "a solver timeout" means here, in z3's own units of work. */
  readonly rlimit?: number;
  /** Wall-clock guard per query, for a child that hangs outright. */
  readonly guardMs?: number;
  /** CPU the child may use on one query (where /proc tells): z3's rlimit does not bound its integer search on every query. */
  readonly cpuLimitMs?: number;
}

export const DEFAULT_RLIMIT = 40_000_000;
export const DEFAULT_CPU_LIMIT_MS = 60_000;

/** util-linux's setpriv, if the machine has it. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => existsSync(f));

/** The child's values: decimal strings by name. */
export function parseValues(values: Record<string, string>): Map<string, bigint> {
  return new Map(Object.entries(values).map(([k, v]) => [k, BigInt(v)]));
}

/** z3's reason in the harness's words: its resource limit is the solver timeout. */
const reasonOf = (r: string | undefined, rlimit: number) =>
  r === undefined ? 'unknown' : /cancel|resource|rlimit/i.test(r) ? `solver limit reached (z3 rlimit ${rlimit})` : `z3: ${r}`;

export class Solver {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private waiting = new Map<number, (a: Answer) => void>();
  private next = 0;
  /** Queries asked, how many the cache answered, and how many the child did not survive. */
  queries = 0;
  cached = 0;
  crashes = 0;
  /** CPU the solver's processes used, in ms (each child's last report, summed over the children). */
  private cpuDone = 0;
  private cpuNow = 0;
  get cpuMs(): number {
    return this.cpuDone + this.cpuNow;
  }
  private readonly cache = new Map<string, Answer>();

  constructor(private readonly opts: SolverOptions = {}) {}

  private start(): Promise<void> {
    const argv = [process.execPath, path.join(__dirname, 'solver-child.js')];
    // setpriv's PR_SET_PDEATHSIG kills the child when this process dies, even by SIGKILL (as properties/isolation/supervisor.js starts its children)
    const [cmd, ...args] = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : argv;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    const lines = readline.createInterface({ input: child.stdout! });
    const ready = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: boolean; id?: number; status?: string; values?: Record<string, string>; flags?: Record<string, boolean>; reason?: string; cpu?: number };
        if (msg.ready) return resolve();
        if (msg.cpu !== undefined) this.cpuNow = msg.cpu;
        const done = this.waiting.get(msg.id!);
        if (!done) return;
        this.waiting.delete(msg.id!);
        done(msg.status === 'sat' ? { status: 'sat', values: parseValues(msg.values ?? {}), flags: new Map(Object.entries(msg.flags ?? {})) }
          : msg.status === 'unsat' ? { status: 'unsat' } : { status: 'unknown', reason: reasonOf(msg.reason, this.opts.rlimit ?? DEFAULT_RLIMIT) });
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        this.cpuDone += this.cpuNow;
        this.cpuNow = 0;
        const why = `the solver's process ended (${signal ?? `exit ${code}`})${err.trim() ? `: ${err.trim().split('\n').slice(-1)[0]}` : ''}`;
        reject(new Error(why));
        for (const [id, done] of this.waiting) { this.waiting.delete(id); this.crashes++; done({ status: 'unknown', reason: why }); }
      });
    });
    ready.catch(() => undefined);
    return ready;
  }

  /** Whether the query is satisfiable; the values of its names if it is. An unknown answer is not cached. */
  async check(q: Query): Promise<Answer> {
    this.queries++;
    const key = createHash('sha256').update(JSON.stringify([q.levels, q.goal, q.names, q.flags ?? []])).digest('base64');
    const hit = this.cache.get(key);
    if (hit) {
      this.cached++;
      return hit;
    }
    const a = await this.ask(q);
    if (a.status !== 'unknown') this.cache.set(key, a);
    return a;
  }

  private async ask(q: Query): Promise<Answer> {
    try {
      await (this.ready ??= this.start());
    } catch (e) {
      return { status: 'unknown', reason: (e as Error).message };
    }
    const id = this.next++;
    const child = this.child!;
    const guardMs = this.opts.guardMs ?? 600_000;
    const cpuLimitMs = this.opts.cpuLimitMs ?? DEFAULT_CPU_LIMIT_MS;
    const cpu0 = child.pid === undefined ? undefined : statOf(child.pid)?.own;
    return new Promise<Answer>((resolve) => {
      const stop = (reason: string) => {
        clearTimeout(timer);
        clearInterval(watch);
        this.waiting.delete(id);
        resolve({ status: 'unknown', reason });
        // the next query starts another process, not one this kill has yet to end
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => stop(`the solver did not answer within ${guardMs / 1000} s (stopped)`), guardMs);
      // z3 can spend minutes within its rlimit on some integer queries (32-bit casts' mod 2^32): CPU, not load, bounds them
      const watch = setInterval(() => {
        const used = cpu0 === undefined ? undefined : statOf(child.pid!)?.own;
        if (used !== undefined && used - cpu0! > cpuLimitMs) stop(`solver limit reached (${cpuLimitMs / 1000} s of the solver's CPU on one query, before z3's rlimit ${this.opts.rlimit ?? DEFAULT_RLIMIT})`);
      }, Math.min(1000, cpuLimitMs / 4));
      const t0 = performance.now();
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        clearInterval(watch);
        if (process.env.PROVER_SLOW && performance.now() - t0 > Number(process.env.PROVER_SLOW)) {
          const text = `${q.levels.join('')}${q.goal}`;
          process.stderr.write(`slow query ${Math.round(performance.now() - t0)} ms ${a.status}: ${text.length} chars\n${process.env.PROVER_SMT ? `${text}\n` : ''}`);
        }
        resolve(a);
      });
      child.stdin!.write(`${JSON.stringify({ id, levels: q.levels, goal: q.goal, names: q.names, flags: q.flags ?? [], rlimit: this.opts.rlimit ?? DEFAULT_RLIMIT })}\n`);
    });
  }

  /**
   * Starts afresh for what is asked next: a new process, and only the unsat answers kept. A model
   * z3 gives depends on what it was asked before, and which model leads where can decide a
   * verdict (a path through an over-approximation), so a variant's must not depend on the others'.
   */
  forget(): void {
    this.close();
    for (const [k, a] of this.cache) if (a.status === 'sat') this.cache.delete(k);
  }

  close(): void {
    const c = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (c) { c.stdin?.end(); c.kill('SIGKILL'); }
  }
}
