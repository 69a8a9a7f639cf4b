// The numbers a run is given, each with one rule whether it comes from a flag or from the
// environment: FC_NUM_RUNS=0 is refused as --runs 0 is, not run as a check of nothing. And the
// environment's switches (GMEM_REQUIRE_KVM), held to 1 or 0.

/** An integer setting's range, and why it has that range when the reason is not obvious. */
export interface IntRule {
  readonly min: number;
  readonly max: number;
  readonly why?: string;
}

/** Cases per property: a run of none would judge nothing and look green. */
export const RUNS: IntRule = { min: 1, max: Number.MAX_SAFE_INTEGER };

/** The seeds fast-check keeps whole: it cuts a larger one to 32 bits, and runs another seed's cases. */
export const SEED: IntRule = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/** A setting (a flag or an environment variable) whose value breaks its rule. */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

/**
 * `raw` as an integer within `rule`, or a SettingError naming the setting (`--runs`, `FC_NUM_RUNS`).
 * Decimal digits only: Number() would also read 0x10, 1e3, 1.0 and " 10", as no one writes a seed.
 */
export function readInt(name: string, raw: string, rule: IntRule): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < rule.min || n > rule.max) {
    const range = rule.max === Number.MAX_SAFE_INTEGER ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    throw new SettingError(`${name} needs an integer ${range}${rule.why ?? ''}, got "${raw}"`);
  }
  return n;
}

/** An on/off setting of the environment (GMEM_REQUIRE_KVM): 1 on; 0, empty or absent off; anything else a SettingError. */
export function readSwitch(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new SettingError(`${name} needs 1 (on) or 0 (off), got "${raw}"`);
}
