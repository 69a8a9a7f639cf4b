// A query z3 works on for minutes without reaching its rlimit (one of test/fixtures/prover/u32-casts.c's)
// ends as unknown at the solver's CPU limit, with the reason: never proved, never a hang.

import fs from 'fs';
import path from 'path';
import { Query, Solver } from '../prover/solver';

const query = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'prover', 'u32-casts-query.json'), 'utf8')) as Query;

(process.platform === 'linux' ? test : test.skip)('a query past the solver\'s CPU limit is unknown, with the reason, and the next query is answered', async () => {
  const solver = new Solver({ cpuLimitMs: 3000 });
  try {
    const t0 = Date.now();
    const a = await solver.check(query);
    expect(a).toEqual({ status: 'unknown', reason: expect.stringMatching(/solver limit reached \(3 s of the solver's CPU on one query/) });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect((await solver.check({ levels: [], goal: '(declare-fun x () Int)(assert (> x 1))', names: ['x'] })).status).toBe('sat');
  } finally {
    solver.close();
  }
}, 60_000);
