// A variant in its own process as the engine's `isolated` executor (CheckOptions.isolated in
// properties/engine/engine.ts), for C and TypeScript alike: run() answers from the variant's runner,
// prefetch() sends the cases a check will generate in batches, hungOn() tells the engine of a
// confirmed hang, and confirm() replays a failure in fresh processes: alone, then after
// the cases that ran before it, to tell a real failure from one that depends on history.

import fc from 'fast-check';
import { XarrayMode } from '../../model/xarray';
import { caseArb } from '../arbitraries';
import { Case, XarrayChoice, xarrayMode } from '../case';
import type { Confirmation, Executor, Isolated } from '../engine/executor';
import { ChildRunner, Item } from './runner';

export class IsolatedRunner implements Isolated {
  private hangClaimed = false;
  constructor(readonly runner: ChildRunner) {}

  readonly run = (c: Case, mode: XarrayMode) => this.runner.run(c, mode);

  /**
   * The cases fc.check() will generate for this seed and run count (fc.sample gives the same), as
   * the runner's plan: they are sent in batches, a batch ahead of the properties that ask for them.
   */
  prefetch(seed: number, numRuns: number, xarray: XarrayChoice): void {
    const cases = fc.sample(caseArb, { seed, numRuns });
    try {
      this.runner.setPlan(cases.map((c) => [c, xarrayMode(c, xarray)]));
    } catch {
      // only speed is lost: a case the harness breaks on breaks again, and is reported, where a property runs it
    }
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

  confirm(c: Case, mode: XarrayMode, fails: (exec: Executor) => boolean): Confirmation {
    const failsAfter = (history: readonly Item[]): boolean => {
      const p = this.runner.probe(history);
      try {
        return fails(p.run);
      } finally {
        p.close();
      }
    };
    if (failsAfter([])) return { kind: 'reproduced' };
    const history = this.runner.historyOf(c, mode);
    if (!history?.length || !failsAfter(history)) return { kind: 'not-reproduced' };
    // the shortest prefix of the history after which it fails (lo passes, hi fails)
    let lo = 0, hi = history.length;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (failsAfter(history.slice(0, mid))) hi = mid;
      else lo = mid;
    }
    const last = history[hi - 1];
    return { kind: 'history', history: hi > 1 && failsAfter([last]) ? [last] : history.slice(0, hi) };
  }

  close(): void {
    this.runner.close();
  }
}
