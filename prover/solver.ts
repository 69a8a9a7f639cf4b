// The solver wrapper: z3 in a child process (solver-child.js), one query at a time. A query's
// effort is limited by z3's resource count (rlimit), which a loaded machine does not change; a
// child that dies, or does not answer within a generous wall-clock guard, makes that one query
// unknown and is started again for the next.

import { ChildProcess, spawn } from 'child_process';
import path from 'path';
import readline from 'readline';

export type Answer =
  | { readonly status: 'sat'; readonly values: ReadonlyMap<string, bigint> }
  | { readonly status: 'unsat' }
  | { readonly status: 'unknown'; readonly reason: string };

export interface SolverOptions {
  /** z3's rlimit per query: what "a solver timeout" means here, in z3's own units of work. */
  readonly rlimit?: number;
  /** Wall-clock guard per query, for a child that hangs outright. */
  readonly guardMs?: number;
}

export const DEFAULT_RLIMIT = 40_000_000;

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
  /** Queries asked, and how many the child did not survive. */
  queries = 0;
  crashes = 0;

  constructor(private readonly opts: SolverOptions = {}) {}

  private start(): Promise<void> {
    const child = spawn(process.execPath, [path.join(__dirname, 'solver-child.js')], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    const lines = readline.createInterface({ input: child.stdout! });
    const ready = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: boolean; id?: number; status?: string; values?: Record<string, string>; reason?: string };
        if (msg.ready) return resolve();
        const done = this.waiting.get(msg.id!);
        if (!done) return;
        this.waiting.delete(msg.id!);
        done(msg.status === 'sat' ? { status: 'sat', values: parseValues(msg.values ?? {}) }
          : msg.status === 'unsat' ? { status: 'unsat' } : { status: 'unknown', reason: reasonOf(msg.reason, this.opts.rlimit ?? DEFAULT_RLIMIT) });
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) this.child = undefined, this.ready = undefined;
        const why = `the solver's process ended (${signal ?? `exit ${code}`})${err.trim() ? `: ${err.trim().split('\n').slice(-1)[0]}` : ''}`;
        reject(new Error(why));
        for (const [id, done] of this.waiting) { this.waiting.delete(id); this.crashes++; done({ status: 'unknown', reason: why }); }
      });
    });
    ready.catch(() => undefined);
    return ready;
  }

  /** Whether `smt` (declarations and assertions) is satisfiable; the values of `names` if it is. */
  async check(smt: string, names: readonly string[]): Promise<Answer> {
    this.queries++;
    try {
      await (this.ready ??= this.start());
    } catch (e) {
      return { status: 'unknown', reason: (e as Error).message };
    }
    const id = this.next++;
    const child = this.child!;
    const guardMs = this.opts.guardMs ?? 600_000;
    return new Promise<Answer>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ status: 'unknown', reason: `the solver did not answer within ${guardMs / 1000} s (stopped)` });
        child.kill('SIGKILL');
      }, guardMs);
      const t0 = performance.now();
      this.waiting.set(id, (a) => {
        clearTimeout(timer);
        if (process.env.PROVER_SLOW && performance.now() - t0 > Number(process.env.PROVER_SLOW)) process.stderr.write(`slow query ${Math.round(performance.now() - t0)} ms ${a.status}: ${smt.length} chars\n${process.env.PROVER_SMT ? smt + '\n' : ''}`);
        resolve(a);
      });
      child.stdin!.write(`${JSON.stringify({ id, smt, names, rlimit: this.opts.rlimit ?? DEFAULT_RLIMIT })}\n`);
    });
  }

  close(): void {
    const c = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (c) { c.stdin?.end(); c.kill('SIGKILL'); }
  }
}
