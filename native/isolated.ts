// A C variant as the engine's `isolated` executor (CheckOptions.isolated in properties/engine.ts):
// run() answers from the variant's child process. A hang is a failure of its case and the
// child is restarted, but the rest of that property's run is not spent waiting on hangs: until
// the engine asks hungOn() (it does once per failed property), later cases come back "not run",
// so fast-check's shrinking is instant and the hung case is the one reported, unshrunk.

import fc from 'fast-check';
import { XarrayMode } from '../model/xarray';
import { caseArb } from '../properties/arbitraries';
import { Case, XarrayChoice, xarrayMode } from '../properties/case';
import type { Isolated } from '../properties/engine';
import { Outcome, faultOutcome } from '../properties/execute';
import { CVariant } from './cvariant';

export class CIsolated implements Isolated {
  private hung?: { readonly case: Case; readonly mode: XarrayMode; readonly message: string };

  constructor(readonly variant: CVariant) {}

  /** Nothing to wait for: the program was compiled when the variant was loaded, the child starts on first use. */
  ready(): void {}

  readonly run = (c: Case, mode: XarrayMode): Outcome => {
    if (this.hung) return faultOutcome(c, mode, 'not run: the C program hung on an earlier case of this property');
    const o = this.variant.runner.run(c, mode);
    if (o.fault?.hang) this.hung = { case: c, mode, message: o.fault.message };
    return o;
  };

  /**
   * Optional, for speed: runs in batches the cases fc.check() will generate for this seed and
   * run count (fc.sample gives the same ones), so that the properties then read them from the cache.
   */
  prefetch(seed: number, numRuns: number, xarray: XarrayChoice): void {
    const cases = fc.sample(caseArb, { seed, numRuns });
    this.variant.runner.runMany(cases.map((c) => [c, xarrayMode(c, xarray)]));
  }

  /** The case that hung since the last call, if any; the next property starts afresh. */
  hungOn(): { readonly case: Case; readonly mode: XarrayMode; readonly message: string } | undefined {
    const h = this.hung;
    this.hung = undefined;
    return h;
  }

  close(): void {
    this.variant.runner.close();
  }
}
