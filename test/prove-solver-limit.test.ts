// A query z3 works on for minutes without reaching its rlimit (one of test/fixtures/prover/u32-casts.c's)
// ends as unknown at the solver's CPU limit, with the reason: never proved, never a hang.

import fs from 'fs';
import path from 'path';
import { PROVER_PROPERTIES, proveVariant } from '../prover/prove';
import { SMALL_BOUND } from '../prover/shapes';
import { Answer, Query, Solver } from '../prover/solver';

const query = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'prover', 'u32-casts-query.json'), 'utf8')) as Query;

(process.platform === 'linux' ? test : test.skip)('a query past the solver\'s CPU limit is unknown, with the reason, and the next query is answered', async () => {
  const solver = new Solver({ cpuLimitMs: 3000 });
  try {
    const a = await solver.check(query);
    expect(a).toEqual({ status: 'unknown', reason: expect.stringMatching(/solver limit reached \(3 s of the solver's CPU on one query/) });
    expect((await solver.check({ levels: [], goal: '(declare-fun x () Int)(assert (> x 1))', names: ['x'] })).status).toBe('sat');
  } finally {
    solver.close();
  }
}, 60_000);

/** A solver that gives up on every query but a shape's first (whether its input rules admit anything). */
class GivingUp extends Solver {
  asked = 0;
  override async check(q: Query): Promise<Answer> {
    this.asked++;
    return q.goal === '' ? super.check(q) : { status: 'unknown', reason: 'solver limit reached (test)' };
  }
}

test('a query the solver gives up on ends its shape: the shape costs the limit once, and its properties are unknown', async () => {
  const solver = new GivingUp();
  try {
    const r = await proveVariant(path.join(__dirname, '..', 'variants', 'upstream.ts'), { solver, bound: SMALL_BOUND, shapeFilter: (s) => s.op === 'punch', properties: ['no-stale-mapping'] });
    expect(r.results.map((p) => [p.status, p.reason])).toEqual([['unknown', expect.stringMatching(/the solver gave up on a path \(solver limit reached \(test\)\)/)]]);
    // a shape's rules, then its first path's query; before, every flip of that path was asked too
    expect(solver.asked).toBe(2 * r.shapes);
  } finally {
    solver.close();
  }
}, 60_000);

// the query given up on asks only the properties the path may violate; the others, left unexplored on the shape's other paths, must not be proved
test('a shape ended by a query the solver gave up on proves none of its properties, not even one that path could not violate', async () => {
  const solver = new GivingUp();
  try {
    // (bind-within-file is judged in bind shapes only, which this filter leaves out)
    const r = await proveVariant(path.join(__dirname, '..', 'variants', 'upstream.ts'), { solver, bound: SMALL_BOUND, shapeFilter: (s) => s.op === 'punch', properties: PROVER_PROPERTIES.filter((id) => id !== 'bind-within-file') });
    const judged = r.results;
    expect(judged.length).toBeGreaterThan(1);
    expect(judged.map((p) => [p.property, p.status])).toEqual(judged.map((p) => [p.property, 'unknown']));
  } finally {
    solver.close();
  }
}, 60_000);
