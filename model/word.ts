// Unsigned machine words that wrap like C: pgoff_t (unsigned long) and gfn_t (u64).
// KERNEL-FACTS §1: pgoff_t is 64 bits on every architecture with guest_memfd; gfn_t is u64.
// §2: "All arithmetic is unsigned and wraps modulo 2^64". The width is a parameter so a
// narrower world (or a mutant that computes in 32 bits) can be modelled with the same code.

export type pgoff_t = bigint;
export type gfn_t = bigint;

export interface Word {
  readonly bits: number;
  /** The largest value, ULONG_MAX for 64 bits. */
  readonly MAX: bigint;
  /** C's conversion to the unsigned type: reduce modulo 2^bits. */
  ul(x: bigint): bigint;
  /** The kernel's min()/max() on two unsigned longs (arguments converted first). */
  min(a: bigint, b: bigint): bigint;
  max(a: bigint, b: bigint): bigint;
  /** True when x is already a value of this word (0 <= x <= MAX). */
  fits(x: bigint): boolean;
}

export function makeWord(bits: number): Word {
  if (!Number.isInteger(bits) || bits < 1 || bits > 64) {
    throw new RangeError(`word width must be an integer in [1, 64], got ${bits}`);
  }
  const MAX = (1n << BigInt(bits)) - 1n;
  // The kernel's own width written as the literal 64: V8 compiles BigInt.asUintN(64, x) to a
  // machine word's arithmetic, and a width read from a variable to a call that took about twice
  // as long. Every ul(), min() and max() of every variant, and every word the kernel API is
  // handed (fits()), runs here: the same values, computed faster.
  const ul = bits === 64 ? (x: bigint): bigint => BigInt.asUintN(64, x) : (x: bigint): bigint => BigInt.asUintN(bits, x);
  return Object.freeze({
    bits,
    MAX,
    ul,
    min: (a: bigint, b: bigint) => { const x = ul(a), y = ul(b); return x < y ? x : y; },
    max: (a: bigint, b: bigint) => { const x = ul(a), y = ul(b); return x > y ? x : y; },
    // 0 <= x <= MAX, for a bigint x: one conversion and one equality where two comparisons took longer
    fits: bits === 64 ? (x: bigint) => BigInt.asUintN(64, x) === x : (x: bigint) => x >= 0n && x <= MAX,
  });
}

/** The kernel's word: 64 bits (KERNEL-FACTS §1). */
export const WORD64: Word = makeWord(64);

/**
 * C's conversion to a signed 64-bit type (loff_t, s64): reduce modulo 2^64 into [-2^63, 2^63).
 * The kernel builds with -fno-strict-overflow, so a signed sum that leaves the type wraps the same
 * way: s64(a + b) is the loff_t a + b computes. A named helper so that a prover can model it.
 */
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

/** C's conversion to a u64 (or unsigned long): reduce modulo 2^64 into [0, 2^64). Named for the same reason. */
export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** Decimal with hex beside it, the way a counterexample is printed for people. */
export function decHex(x: bigint): string {
  if (x < 0n) return `${x} (-0x${(-x).toString(16)})`;
  return x < 10n ? `${x}` : `${x} (0x${x.toString(16)})`;
}
