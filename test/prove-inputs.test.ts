// The seam between the model and the prover: the precondition of every proof is model/rules.ts's
// own functions run symbolically (prover/rules.ts). On concrete inputs near the 64-bit edges it
// holds exactly where the model builds the case (both ways: nothing the model accepts is left
// out of a proof, nothing it refuses is let in), and a rule changed in a copy of model/rules.ts
// changes what the prover assumes.

import fc from 'fast-check';
import fs from 'fs';
import path from 'path';
import { resolve } from '../model/callers';
import { KernelError, ModelInputError } from '../model/errno';
import { WORD64 } from '../model/word';
import { storeRangeChunks } from '../model/xarray';
import { Case, materialize } from '../properties/case';
import { optionsFromEnv } from '../properties/engine/engine';
import { assignmentOf, caseOf, inputsOf } from '../prover/inputs';
import { RULES_FILE, loadRules } from '../prover/rules';
import { Shape } from '../prover/shapes';
import { cBool } from '../prover/term';

const { seed } = optionsFromEnv();
/** lib/xarray.c's chunk edges of a binding (none for an empty one, which no rule lets through). */
const edgesOf = (p: bigint, n: bigint) => (n < 1n ? [] : storeRangeChunks(p, p + n - 1n).slice(1).map(([first]) => first));

/** Whether the model makes the case: its layout is bound, and its caller reaches the invalidation (or kvm_gmem_bind()). */
function modelAccepts(c: Case): boolean {
  try {
    const r = resolve(materialize(c.layout), c.op, WORD64);
    return r.kind === 'invalidate' || r.kind === 'bind';
  } catch (e) {
    if (e instanceof KernelError || e instanceof ModelInputError) return false;
    throw e;
  }
}

const edge = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt(0n, 8n) }, { weight: 3, arbitrary: fc.bigInt(0n, 4n).map((k) => k * 512n) }, { weight: 1, arbitrary: fc.bigInt(0n, 1024n) },
  { weight: 1, arbitrary: fc.bigInt(-3n, 3n).map((d) => (1n << 51n) + d) }, { weight: 1, arbitrary: fc.bigInt(-3n, 3n).map((d) => (1n << 52n) - 1n + d) },
  { weight: 1, arbitrary: fc.bigInt(-3n, 3n).map((d) => (1n << 31n) + d) }, { weight: 1, arbitrary: fc.bigInt(0n, 1n << 52n) },
).map((x) => (x < 0n ? 0n : x));

const base = { vmTypes: ['default'] as const, chunks: 2 };
const slot = (id: number, pgoff: bigint, npages: bigint, base_gfn: bigint) => ({ id, pgoff, npages, base_gfn });
/** Each shape with a case the model makes in it: the draws change some of its values, to the edges. */
const SHAPES: Array<[Shape, Case]> = [
  [{ ...base, slots: [2], pageOrder: 0, op: 'punch' }, { layout: { filePages: 64n, slots: [slot(0, 0n, 4n, 0n), slot(1, 8n, 4n, 16n)] }, op: { kind: 'punch', mode: 3, offset: 8192n, len: 32768n } }],
  [{ ...base, slots: [1], pageOrder: 9, op: 'punch' }, { layout: { filePages: 1024n, slots: [slot(0, 0n, 512n, 0n)], pageOrder: 9 }, op: { kind: 'punch', mode: 3, offset: 0n, len: 512n << 12n } }],
  [{ ...base, slots: [1, 1], vmTypes: ['default', 'default'], chunks: 1, pageOrder: 0, op: 'release', releaseView: 1 },
    { layout: { filePages: 8n, slots: [slot(0, 0n, 2n, 0n)], otherViews: [{ slots: [slot(0, 1n, 2n, 5n)] }] }, op: { kind: 'release', view: 1 } }],
  [{ ...base, slots: [1], pageOrder: 0, op: 'memory-failure' }, { layout: { filePages: 16n, slots: [slot(0, 4n, 4n, 0n)] }, op: { kind: 'memory-failure', index: 4n, order: 2 } }],
  [{ ...base, slots: [1], pageOrder: 9, op: 'memory-failure' }, { layout: { filePages: 1024n, slots: [slot(0, 0n, 512n, 0n)], pageOrder: 9 }, op: { kind: 'memory-failure', index: 512n, order: 9 } }],
  [{ ...base, slots: [1], pageOrder: 0, op: 'convert' }, { layout: { filePages: 16n, slots: [slot(0, 0n, 8n, 0n)] }, op: { kind: 'convert', offset: 4096n, size: 8192n, toPrivate: false } }],
  [{ ...base, slots: [1], pageOrder: 0, op: 'bind' }, { layout: { filePages: 16n, slots: [slot(0, 0n, 4n, 0n)] }, op: { kind: 'bind', slot: 1, guest_phys_addr: 8n << 12n, memory_size: 4n << 12n, guest_memfd_offset: 4n << 12n } }],
  [{ ...base, slots: [1], pageOrder: 0, op: 'bind', bindEra: '7.2' },
    { layout: { filePages: 16n, slots: [slot(0, 0n, 4n, 0n)], bindEra: '7.2' }, op: { kind: 'bind', slot: 1, guest_phys_addr: 8n << 12n, memory_size: 4n << 12n, guest_memfd_offset: 4n << 12n } }],
];

test.each(SHAPES.map(([s], i) => [i, `${s.op} ${s.slots.join('+')} slot(s) order ${s.pageOrder}${s.bindEra ? ` era ${s.bindEra}` : ''}`] as const))(
  'shape %i (%s): the prover\'s precondition holds exactly on the cases the model makes',
  (i) => {
    const [shape, made] = SHAPES[i];
    expect(modelAccepts(made)).toBe(true);
    const start = assignmentOf(shape, made, edgesOf)!;
    const names = inputsOf(shape, new Map()).names;
    const draw = fc.tuple(...names.map((n) => fc.oneof({ weight: 8, arbitrary: fc.constant(start.get(n) ?? 0n) }, { weight: 1, arbitrary: edge })));
    let accepted = 0, refused = 0;
    for (const values of fc.sample(draw, { numRuns: 250, seed })) {
      const c = caseOf(shape, new Map(names.map((n, j) => [n, values[j]])));
      const a = assignmentOf(shape, c, edgesOf);
      if (!a) continue;
      const model = modelAccepts(c);
      expect([cBool(inputsOf(shape, a).pre), c]).toEqual([model, c]);
      if (model) accepted++;
      else refused++;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  },
);

test('a rule changed in a copy of model/rules.ts changes the precondition: the 6.8 bind made unsigned drops the overflowed binding', () => {
  const text = fs.readFileSync(RULES_FILE, 'utf8');
  const signed = 's64(s64(offset) + size) > i_size';
  expect(text).toContain(signed);
  const copy = path.join(path.dirname(RULES_FILE), 'rules-mutated.ts');
  const mutated = loadRules(copy, new Map([[copy, text.replace(signed, 'offset + size > i_size')]]));
  // a one-page binding at guest_memfd_offset 2^63 - 4096 on a 2 MiB file: the 6.8 kernel binds it
  const shape: Shape = { ...base, slots: [1], chunks: 1, pageOrder: 0, op: 'release' };
  const c: Case = { layout: { filePages: 512n, slots: [{ id: 0, pgoff: (1n << 51n) - 1n, npages: 1n, base_gfn: 0n }] }, op: { kind: 'release' } };
  expect(modelAccepts(c)).toBe(true);
  const a = assignmentOf(shape, c, edgesOf)!;
  expect(cBool(inputsOf(shape, a).pre)).toBe(true);
  expect(cBool(inputsOf(shape, a, mutated).pre)).toBe(false);
});

test('a rule the prover cannot run symbolically is an error naming it, not a silent gap', () => {
  const text = fs.readFileSync(RULES_FILE, 'utf8');
  const copy = path.join(path.dirname(RULES_FILE), 'rules-unsupported.ts');
  // a template string built from a symbolic value: outside the contract model/rules.ts states
  const broken = loadRules(copy, new Map([[copy, text.replace("if (size <= 0n ||", "if (`${size}` === '0' || size <= 0n ||")]]));
  const shape: Shape = { ...base, slots: [1], chunks: 1, pageOrder: 0, op: 'release' };
  expect(() => inputsOf(shape, new Map(), broken)).toThrow(/input rules \(kvmGmemCreate\) cannot be run symbolically: .*converted to a primitive.*rules-unsupported\.ts:\d+/);
});
