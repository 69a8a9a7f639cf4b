// @ts-check
// The solver's process: z3 (z3-solver, WebAssembly) answering one query per line of stdin, each
// in a context reset first (a fresh solver per query: the prototype measured incremental solving
// far slower, and a WebAssembly crash here is one unknown query, not a dead command).
// Request: {"id", "smt", "names", "rlimit"}; reply: {"id", "status", "values"?, "reason"?}.
'use strict';

const readline = require('readline');

async function main() {
  const { init } = require('z3-solver');
  const { Z3 } = await init();
  const ctx = Z3.mk_context(Z3.mk_config());
  const reply = (/** @type {object} */ x) => process.stdout.write(`${JSON.stringify(x)}\n`);
  reply({ ready: true });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const q = JSON.parse(line);
    try {
      const head = `(reset)(set-option :rlimit ${q.rlimit})(set-option :produce-models true)`;
      const status = (await Z3.eval_smtlib2_string(ctx, `${head}${q.smt}(check-sat)`)).trim();
      if (status === 'sat') {
        const values = q.names.length ? await Z3.eval_smtlib2_string(ctx, `(get-value (${q.names.join(' ')}))`) : '';
        reply({ id: q.id, status, values });
      } else if (status === 'unsat') {
        reply({ id: q.id, status });
      } else {
        const reason = await Z3.eval_smtlib2_string(ctx, '(get-info :reason-unknown)');
        reply({ id: q.id, status: 'unknown', reason: reason.trim() });
      }
    } catch (e) {
      reply({ id: q.id, status: 'unknown', reason: `z3: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`solver: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
