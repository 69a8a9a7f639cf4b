// A C variant as the engine's `isolated` executor: the shared one (properties/isolation/
// isolated.ts) over the variant's runner, which keeps the variant at hand for tests.

import { IsolatedRunner } from '../properties/isolation/isolated';
import { CVariant } from './cvariant';

export class CIsolated extends IsolatedRunner {
  constructor(readonly variant: CVariant) {
    super(variant.runner);
  }

  /** Nothing to wait for: the program was compiled when the variant was loaded, the child starts on first use. */
  ready(): void {}
}
