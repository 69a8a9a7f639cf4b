// The gate of the live suites: their tests run where the live kernel can be used; elsewhere one
// skipped test stands for them, titled with the cause (test/skipped-reporter.js repeats it under
// jest's summary, and jest counts it as skipped, never as passed), or, when the environment
// requires a live kernel (GMEM_REQUIRE_KVM=1, for a CI whose machines have KVM with guest_memfd),
// one failing test saying why it cannot run.

import { liveKvm, liveRequired, requiredButUnusable } from '../live/kernel';

/** Registers `tests` where the live kernel can be used; else the skip (or the failure) that stands for them. */
export function onTheLiveKernel(what: string, tests: () => void): void {
  let required: boolean;
  try {
    required = liveRequired();
  } catch (e) {
    test(`${what}: GMEM_REQUIRE_KVM`, () => { throw e; });
    return;
  }
  const live = liveKvm();
  if (live.ok) tests();
  else if (required) test(`${what}: a live kernel is required`, () => { throw new Error(requiredButUnusable(live.why)); });
  else test.skip(`${what}: skipped, no usable live kernel: ${live.why}`, () => undefined);
}
