// The runner of one compiled C variant: the shared child runner (properties/isolation/runner.ts)
// with the C driver's wire format. Each case is resolved by the model (layout, caller,
// reference) and sent with each view's xarray chunks (native/replay.ts requestLine); the driver's
// call log comes back and is replayed through model/kvm.ts. Outcomes are cached per case;
// prefetch() sends a known list of cases in batches.

import { WORD64 } from '../model/word';
import { Case } from '../properties/case';
import { Outcome } from '../properties/engine/execute';
import { ChildRunner, RunnerOptions } from '../properties/isolation/runner';
import { NativeHarnessError } from '../properties/isolation/log';
import { requestLine } from './replay';

export interface CRunnerOptions extends RunnerOptions {
  /** The child's stderr (its printk); default: copied to this process's stderr. */
  readonly onStderr?: (text: string) => void;
  /** Extra environment for the child (a sanitizer's options, say); `env` is gcc's (CompileOptions). */
  readonly childEnv?: NodeJS.ProcessEnv;
}

/** The driver's exit status for a request it could not parse: a harness bug, not the variant's. */
const DRIVER_REJECTS = 3;

export class CRunner extends ChildRunner {
  constructor(readonly binary: string, opts: CRunnerOptions = {}) {
    super({
      who: binary,
      language: 'C',
      word: WORD64,
      rejectStatus: DRIVER_REJECTS,
      child: { command: binary, protocolFd: 1, outputMarks: true, onOutput: opts.onStderr, ...(opts.childEnv ? { env: { ...process.env, ...opts.childEnv } } : {}) },
      encode: (seq, base, stream) => {
        if (base.resolved.kind === 'bind') return requestLine(seq, base.layout, 0n, 0n, undefined, base.resolved, stream);
        if (base.resolved.kind !== 'invalidate') throw new Error('only a case that reaches the invalidation or kvm_gmem_bind() is sent');
        const r = base.resolved;
        // a conversion is a TypeScript variant's own convert(): no C variant has one to call
        if (r.convert) throw new NativeHarnessError(`${binary}: a conversion case reached a C variant (C variants are not given conversions)`);
        return requestLine(seq, base.layout, r.start, r.end, base.case.op.kind === 'release' ? r.view ?? 0 : undefined, undefined, stream);
      },
    }, opts);
  }

  prefetch(cases: readonly Case[]): Outcome[] {
    return this.runMany(cases);
  }
}
