// Unsigned words wrap like C, at any width.

import { WORD64, decHex, makeWord } from '../model/word';

test('64-bit words wrap modulo 2^64', () => {
  expect(WORD64.MAX).toBe(0xffff_ffff_ffff_ffffn);
  expect(WORD64.ul(-1n)).toBe(WORD64.MAX);
  expect(WORD64.ul(WORD64.MAX + 2n)).toBe(1n);
});

test('min and max convert their arguments first, like the kernel macros on unsigned long', () => {
  // end - p with end < p wraps to a huge value in C, so min() picks the other operand
  expect(WORD64.min(3n - 5n, 7n)).toBe(7n);
  expect(WORD64.max(0n - 1n, 7n)).toBe(WORD64.MAX);
});

test('a narrower word wraps at its own width', () => {
  const w16 = makeWord(16);
  expect(w16.MAX).toBe(0xffffn);
  expect(w16.ul(0x1_0005n)).toBe(5n);
  expect(w16.fits(0x1_0000n)).toBe(false);
  expect(() => makeWord(65)).toThrow(RangeError);
});

test('numbers are printed in decimal with hex beside them', () => {
  expect(decHex(7n)).toBe('7');
  expect(decHex(4096n)).toBe('4096 (0x1000)');
});
