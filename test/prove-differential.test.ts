// The prover held to the engine on concrete inputs (prover/self-test.ts): generated cases of
// every shipped TypeScript variant, run symbolically with each input's shadow the case's value,
// meet the prover's input rules and give every property the engine's verdict. And the test has
// teeth: a deliberately broken runtime, or a symbolic kernel that forgets the attribute filter,
// makes it report differences. FC_SEED chooses the cases, as in every suite; `npm run prove --
// --self-test` runs thousands.

import path from 'path';
import { selfTest } from '../prover/self-test';
import { optionsFromEnv } from '../properties/engine/engine';
import { namedTargets } from '../properties/command/targets';

const { seed } = optionsFromEnv();
const CASES = 50;
const FILES = namedTargets([]).files.filter((f) => f.endsWith('.ts'));

test.each(FILES.map((f) => path.basename(f, '.ts')))(`%s: ${CASES} generated cases, the prover's formulas give the engine's verdicts (FC_SEED=${seed})`, (name) => {
  const r = selfTest(FILES.find((f) => path.basename(f, '.ts') === name)!, { cases: CASES, seed });
  expect(r.differences.slice(0, 3)).toEqual([]);
  expect(r.compared).toBeGreaterThan(CASES / 2);
});

test('a runtime whose symbolic difference is one too large makes the differential test fail', () => {
  const r = selfTest(`${__dirname}/../variants/upstream.ts`, { cases: 40, seed, runtime: `${__dirname}/fixtures/prover/broken-runtime` });
  expect(r.differences.length).toBeGreaterThan(0);
});

test('a symbolic kernel that forgets which roots an unmap reached makes it fail on filter-shared-always', () => {
  const r = selfTest(`${__dirname}/../variants/filter-shared-always.ts`, {
    cases: 60, seed,
    facts: (f) => ({ ...f, events: f.events.map((e) => (e.op === 'unmap' ? { ...e, roots: undefined } : e)) }),
  });
  expect(r.differences.join('\n')).toMatch(/no-stale-mapping: engine fails, prover passes/);
});

// Only an accepted request shows the loss, and 7.2 refuses most the property draws: about 9 of 60
// are accepted, none at 4 seeds of 200000 (FC_SEED=878791972). Batches of 60 at the next seeds
// follow until one shows it, at most 3: three that do not are a self-test blind to it, not chance.
test(`a symbolic kernel that loses what a kvm_gmem_bind() stored makes it fail on upstream-7.2's bind requests (FC_SEED=${seed})`, () => {
  let differences = '';
  for (let batch = 0; batch < 3 && !/bind-within-file: engine passes, prover fails/.test(differences); batch++) {
    differences = selfTest(`${__dirname}/../variants/upstream-7.2.ts`, {
      cases: 60, seed: seed + batch,
      facts: (f) => (f.bind ? { ...f, bind: { ...f.bind, stores: [] } } : f),
    }).differences.join('\n');
  }
  expect(differences).toMatch(/bind-within-file: engine passes, prover fails/);
});
