// The runner of one compiled C variant: each case is resolved by the model (layout, caller,
// reference, walk), sent in batches to the variant's persistent child process, and its log
// replayed into the Outcome a TypeScript variant would give. Outcomes are cached by case and
// xarray mode (least recently used dropped first), so the seven properties, which fast-check
// feeds the same cases for one seed, run each case in C once; prefetch() sends a known list
// of cases in batches.

import { WORD64 } from '../model/word';
import { XarrayMode } from '../model/xarray';
import { Case } from '../properties/case';
import { Outcome, prepare } from '../properties/execute';
import { replay, requestLine } from './replay';
import { SyncChild } from './sync-child';

export interface CRunnerOptions {
  /** A case not finished in this time is a hang (default 2000 ms). */
  readonly timeoutMs?: number;
  /** The child's stderr (its printk); default: copied to this process's stderr. */
  readonly onStderr?: (text: string) => void;
  /** Cases per batch written to the child (default 512). */
  readonly batchSize?: number;
  /** Outcomes kept, the least recently used dropped first (default 20000). */
  readonly cacheLimit?: number;
}

/** A canonical key for a case run in a mode. */
export function caseKey(c: Case, mode: XarrayMode): string {
  const op = c.op.kind === 'punch' ? `p${c.op.mode},${c.op.offset},${c.op.len}`
    : c.op.kind === 'memory-failure' ? `m${c.op.index},${c.op.order}` : 'r';
  const slots = c.layout.slots.map((s) => `${s.id},${s.pgoff},${s.npages},${s.base_gfn}`).join(';');
  const m = mode.kind === 'faithful' ? 'f' : `c${mode.pick}`;
  return `${m}|${c.layout.filePages}|${slots}|${op}|${c.pick}`;
}

export class CRunner {
  private readonly child: SyncChild;
  private readonly cache = new Map<string, Outcome>();
  private readonly batchSize: number;
  private readonly cacheLimit: number;
  /** Cases sent to the child, for measuring. */
  sent = 0;

  constructor(readonly binary: string, opts: CRunnerOptions = {}) {
    this.child = new SyncChild(binary, {
      timeoutMs: opts.timeoutMs ?? 2000,
      onStderr: opts.onStderr ?? ((t) => process.stderr.write(t)),
    });
    this.batchSize = opts.batchSize ?? 512;
    this.cacheLimit = opts.cacheLimit ?? 20000;
  }

  run(c: Case, mode: XarrayMode): Outcome {
    return this.cached(caseKey(c, mode)) ?? this.runMany([[c, mode]])[0];
  }

  prefetch(cases: readonly Case[], mode: XarrayMode): void {
    this.runMany(cases.map((c) => [c, mode]));
  }

  /** The outcomes of (case, mode) pairs, in order; those not cached are run in batches. */
  runMany(items: ReadonlyArray<readonly [Case, XarrayMode]>): Outcome[] {
    const keys = items.map(([c, mode]) => caseKey(c, mode));
    const todo = new Map<string, readonly [Case, XarrayMode]>();
    keys.forEach((k, i) => { if (!this.cache.has(k)) todo.set(k, items[i]); });
    const pending = [...todo];
    for (let i = 0; i < pending.length; i += this.batchSize) this.runBatch(pending.slice(i, i + this.batchSize));
    // a list longer than the cache has evicted its own first outcomes: run those again
    return keys.map((k, i) => this.cached(k) ?? this.runBatch([[k, items[i]]])[0]);
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
    this.cache.set(key, o);
    if (this.cache.size > this.cacheLimit) {
      for (const old of this.cache.keys()) {
        this.cache.delete(old);
        if (this.cache.size <= this.cacheLimit * 0.9) break;
      }
    }
  }

  close(): void {
    this.child.close();
  }

  private runBatch(batch: ReadonlyArray<readonly [string, readonly [Case, XarrayMode]]>): Outcome[] {
    const outcomes: Outcome[] = new Array(batch.length);
    const requests: string[] = [];
    const waiting: Array<{ at: number; base: Outcome }> = [];
    batch.forEach(([, [c, mode]], at) => {
      // the caller through the model's front end, as for a TypeScript variant
      const base = prepare(c, mode, WORD64);
      const { layout, resolved } = base;
      if (resolved.kind !== 'invalidate') {
        outcomes[at] = base;
        return;
      }
      requests.push(requestLine(requests.length, layout, resolved.start, resolved.end, mode));
      waiting.push({ at, base });
    });
    if (requests.length) {
      const replies = this.child.exchange(requests);
      this.sent += requests.length;
      waiting.forEach(({ at, base }, i) => {
        const r = replay(base.layout, base.mode, replies[i], this.binary);
        outcomes[at] = { ...base, ...r };
      });
    }
    batch.forEach(([k], at) => this.remember(k, outcomes[at]));
    return outcomes;
  }
}
