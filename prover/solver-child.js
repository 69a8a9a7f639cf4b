// @ts-check
// The solver's process: z3 (z3-solver, WebAssembly) answering one query per line of stdin, each
// in a context reset first (a fresh solver per query: the prototype measured incremental solving
// far slower, and a WebAssembly crash here is one unknown query, not a dead command).
// Request: {"id", "smt", "names", "rlimit"}; reply: {"id", "status", "values"? (decimal strings), "reason"?}.
'use strict';

const readline = require('readline');

async function main() {
  const { init } = require('z3-solver');
  const { Z3 } = await init();
  const cfg = Z3.mk_config();
  const ctx = Z3.mk_context_rc(cfg);
  Z3.del_config(cfg);
  const intSort = Z3.mk_int_sort(ctx);
  const reply = (/** @type {object} */ x) => process.stdout.write(`${JSON.stringify(x)}\n`);
  reply({ ready: true });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const q = JSON.parse(line);
    // the text is parsed synchronously (Z3_solver_from_string): the asynchronous eval_smtlib2_string
    // read strings that had been reused under it (measured: garbled commands after a few dozen queries)
    const solver = Z3.mk_solver(ctx);
    Z3.solver_inc_ref(ctx, solver);
    const params = Z3.mk_params(ctx);
    Z3.params_inc_ref(ctx, params);
    try {
      Z3.params_set_uint(ctx, params, Z3.mk_string_symbol(ctx, 'rlimit'), q.rlimit);
      Z3.solver_set_params(ctx, solver, params);
      Z3.solver_from_string(ctx, solver, q.smt);
      const r = await Z3.solver_check(ctx, solver);
      if (r === 1) {
        const model = Z3.solver_get_model(ctx, solver);
        Z3.model_inc_ref(ctx, model);
        /** @type {Record<string, string>} */
        const values = {};
        for (const name of q.names) {
          const c = Z3.mk_const(ctx, Z3.mk_string_symbol(ctx, name), intSort);
          Z3.inc_ref(ctx, c);
          const v = Z3.model_eval(ctx, model, c, true);
          if (v !== null) {
            Z3.inc_ref(ctx, v);
            values[name] = Z3.get_numeral_string(ctx, v);
            Z3.dec_ref(ctx, v);
          }
          Z3.dec_ref(ctx, c);
        }
        Z3.model_dec_ref(ctx, model);
        reply({ id: q.id, status: 'sat', values });
      } else if (r === -1) {
        reply({ id: q.id, status: 'unsat' });
      } else {
        reply({ id: q.id, status: 'unknown', reason: Z3.solver_get_reason_unknown(ctx, solver) });
      }
    } catch (e) {
      reply({ id: q.id, status: 'unknown', reason: `z3: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      Z3.params_dec_ref(ctx, params);
      Z3.solver_dec_ref(ctx, solver);
    }
  }
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`solver: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
