// The kernel's refusal of a call: an errno and the rule that produced it, never a silent fix-up.

export type Errno = 'EINVAL' | 'EEXIST' | 'EOPNOTSUPP' | 'EFBIG';

/** include/uapi/asm-generic/errno-base.h: the numbers a C body returns (as -errno). */
export const ERRNO_NUMBERS: Readonly<Record<Errno, number>> = Object.freeze({ EINVAL: 22, EEXIST: 17, EOPNOTSUPP: 95, EFBIG: 27 });

/** The name of an errno number, as a report prints a body's return; `-N` when it is not one the harness knows. */
export function errnoName(n: number): string {
  const name = (Object.keys(ERRNO_NUMBERS) as Errno[]).find((e) => ERRNO_NUMBERS[e] === n);
  return name ?? String(n);
}

/** A C function's int return as C reads it: 0, or -EINVAL for a negative errno. */
export const returnText = (ret: number): string => (ret < 0 ? `-${errnoName(-ret)}` : `${ret}`);

/** A call the kernel refuses. `rule` names the check (and where it lives) in words. */
export class KernelError extends Error {
  constructor(readonly errno: Errno, readonly rule: string) {
    super(`-${errno}: ${rule}`);
    this.name = 'KernelError';
  }

  /** A rule's refusal (model/rules.ts) as the error a call throws; `detail` names what the case had (a slot, an order). */
  static of(r: { readonly errno: Errno; readonly rule: string }, detail?: string): KernelError {
    return new KernelError(r.errno, detail === undefined ? r.rule : `${r.rule} (${detail})`);
  }
}

/** An input userspace cannot even express (for example a __u64 field given a negative value). */
export class ModelInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}

export function requireU64(name: string, x: bigint): void {
  if (typeof x !== 'bigint' || x < 0n || x > 0xffff_ffff_ffff_ffffn) {
    throw new ModelInputError(`${name} must be a __u64 (a bigint in [0, 2^64)), got ${String(x)}`);
  }
}

export function requireS64(name: string, x: bigint): void {
  if (typeof x !== 'bigint' || x < -(1n << 63n) || x >= 1n << 63n) {
    throw new ModelInputError(`${name} must be a loff_t (a bigint in [-2^63, 2^63)), got ${String(x)}`);
  }
}
