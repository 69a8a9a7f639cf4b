// The gate of the live suites: their tests run where the live kernel can be used; elsewhere one
// skipped test stands for them, titled with the cause (test/skipped-reporter.js repeats it under
// jest's summary, and jest counts it as skipped, never as passed), or, when the environment
// requires a live kernel (GMEM_REQUIRE_KVM=1, for a CI whose machines have KVM with guest_memfd),
// one failing test saying why it cannot run.

import { liveKvm, liveRequired, requiredButUnusable } from '../live/kernel';

type Register = (title: string, body: () => void) => void;

/** jest's test and test.skip, or a test's stand-ins for them. */
export interface Registrar {
  readonly test: Register;
  readonly skip: Register;
}

/** Registers `tests` where the live kernel can be used; else the skip (or the failure) that stands for them. */
export function onTheLiveKernel(what: string, tests: () => void, env: NodeJS.ProcessEnv = process.env, jest: Registrar = { test, skip: test.skip }): void {
  let required: boolean;
  try {
    required = liveRequired(env);
  } catch (e) {
    jest.test(`${what}: GMEM_REQUIRE_KVM`, () => { throw e; });
    return;
  }
  const live = liveKvm(env);
  if (live.ok) tests();
  else if (required) jest.test(`${what}: a live kernel is required`, () => { throw new Error(requiredButUnusable(live.why)); });
  else jest.skip(`${what}: skipped, no usable live kernel: ${live.why}`, () => undefined);
}
