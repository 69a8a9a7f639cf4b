// A variant in its own process as the engine's `isolated` executor (CheckOptions.isolated in
// properties/engine/engine.ts), for C and TypeScript alike: run() answers from the variant's runner,
// prefetch() sends the cases a check will generate in batches, hungOn() tells the engine of a
// confirmed hang, and confirm() replays a failure in fresh processes: alone, then after
// the cases that ran before it, to tell a real failure from one that depends on history.

import fc from 'fast-check';
import { CaseSpace, bindCaseArbFor, caseArbFor } from '../arbitraries';
import { Case } from '../case';
import type { Confirmation, Executor, Isolated } from '../engine/executor';
import { Outcome } from '../engine/execute';
import { ChildRunner, caseKey } from './runner';

export class IsolatedRunner implements Isolated {
  private hangClaimed = false;
  /** Outcomes fresh processes gave, by the history they had run, the call's place and the case. */
  private readonly probed = new Map<string, Outcome>();
  constructor(readonly runner: ChildRunner) {}

  readonly run = (c: Case) => this.runner.run(c);

  /** Cases run (or answered from the cache) in batches, for a caller that knows them all in advance (--exhaustive). */
  readonly runMany = (items: readonly Case[]) => this.runner.runMany(items);

  readonly afterHistory = (history: readonly Case[]) => this.runner.probe(history);

  /**
   * The cases fc.check() will generate for this seed and run count (fc.sample gives the same), as
   * the runner's plan: they are sent in batches, a batch ahead of the properties that ask for them;
   * for a variant with a bind(), the bind requests bind-within-file draws come after them.
   */
  prefetch(seed: number, numRuns: number, space: CaseSpace & { readonly bind?: unknown } = {}): void {
    const binds = space.bind ? fc.sample(bindCaseArbFor(space), { seed, numRuns }) : [];
    this.runner.setPlan([...fc.sample(caseArbFor(space), { seed, numRuns }), ...binds]);
  }

  /** The confirmed hang, if any. */
  hungOn() {
    return this.runner.hung;
  }

  claimHang(): boolean {
    if (!this.runner.hung || this.hangClaimed) return false;
    this.hangClaimed = true;
    return true;
  }

  /**
   * A failure replayed in fresh processes, alone and, if it passes alone, after the shortest
   * prefix of the cases its process ran before it. What a fresh process answered for a case
   * after a given history is kept: every property failing on the same case (a crash fails them
   * all) asks the same questions, and one process per question is enough.
   */
  confirm(c: Case, fails: (exec: Executor) => boolean): Confirmation {
    const where = this.runner.historyOf(c);
    const failsAfter = (history: readonly Case[], name: string): boolean => {
      let probe: ReturnType<ChildRunner['probe']> | undefined;
      let calls = 0, unanswered = false;
      const run: Executor = (x) => {
        const key = `${name}|${calls++}|${caseKey(x)}`;
        let o = this.probed.get(key);
        if (!o) {
          probe ??= this.runner.probe(history);
          o = probe.run(x);
          this.probed.set(key, o);
        }
        // the fresh process hung while it replayed the history: it did not answer, it did not fail
        if (o.fault?.notRun) unanswered = true;
        return o;
      };
      try {
        return fails(run) && !unanswered;
      } finally {
        probe?.close();
      }
    };
    if (failsAfter([], 'alone')) return { kind: 'reproduced' };
    const history = where?.history.slice(0, where.at);
    const prefix = (n: number) => `${where!.id}:${n}`;
    if (!history?.length || !failsAfter(history, prefix(history.length))) return { kind: 'not-reproduced' };
    // the shortest prefix of the history after which it fails (lo passes, hi fails)
    let lo = 0, hi = history.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (failsAfter(history.slice(0, mid), prefix(mid))) hi = mid;
      else lo = mid;
    }
    const last = history[hi - 1];
    return { kind: 'history', history: hi > 1 && failsAfter([last], `${prefix(hi)}:last`) ? [last] : history.slice(0, hi) };
  }

  close(): void {
    this.runner.close();
  }
}
