// @ts-check
// The solver's process: z3 (z3-solver, WebAssembly) answering one query per line of stdin.
// A query is a stack of levels (SMT-LIB text: the shape's input rules, then a path's definitions)
// and a goal. The child keeps the levels it asserted last, each in its own push scope: a query
// that shares the first k levels pops down to them and asserts only the rest, and the goal is
// asserted in a scope of its own, popped after the check. Incremental solving of these linear
// integer queries measured about half the CPU of a fresh solver per query, most of it the parse
// of the rules; a WebAssembly crash here is one unknown query, not a dead command.
// Request: {"id", "levels": [text], "goal": text, "names": [Int name], "flags": [Bool name], "rlimit"};
// reply: {"id", "status", "values"? (decimal strings), "flags"? (booleans), "reason"?, "cpu" (ms so far)}.
'use strict';

const readline = require('readline');

const DECLARATION = /\(declare-fun ([^\s()]+) \(\) (Int|Bool)\)/g;

/** The CPU this process has used so far (every thread of z3's), in ms: each reply carries it. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
};

async function main() {
  const { init } = require('z3-solver');
  const { Z3 } = await init();
  const cfg = Z3.mk_config();
  const ctx = Z3.mk_context_rc(cfg);
  Z3.del_config(cfg);
  const sorts = { Int: Z3.mk_int_sort(ctx), Bool: Z3.mk_bool_sort(ctx) };
  const reply = (/** @type {object} */ x) => process.stdout.write(`${JSON.stringify(x)}\n`);

  /** @type {any} */
  let solver = null;
  let rlimit = -1;
  /** The levels asserted, each in a push scope, and the names each declared (symbol, declaration). */
  /** @type {Array<{ text: string, names: Array<[any, any]> }>} */
  let stack = [];

  /** Pops the scopes of the levels above the first `keep`, releasing the names they declared. */
  const popTo = (/** @type {number} */ keep) => {
    if (keep >= stack.length) return;
    if (solver) Z3.solver_pop(ctx, solver, stack.length - keep);
    for (const level of stack.slice(keep)) for (const [, d] of level.names) Z3.dec_ref(ctx, Z3.func_decl_to_ast(ctx, d));
    stack = stack.slice(0, keep);
  };

  const fresh = (/** @type {number} */ limit) => {
    popTo(0);
    if (solver) Z3.solver_dec_ref(ctx, solver);
    solver = Z3.mk_solver(ctx);
    Z3.solver_inc_ref(ctx, solver);
    const params = Z3.mk_params(ctx);
    Z3.params_inc_ref(ctx, params);
    // z3 counts the limit from each check's start (scoped_rlimit in Z3_solver_check)
    Z3.params_set_uint(ctx, params, Z3.mk_string_symbol(ctx, 'rlimit'), limit);
    Z3.solver_set_params(ctx, solver, params);
    Z3.params_dec_ref(ctx, params);
    rlimit = limit;
    stack = [];
  };

  /** Asserts `text` on the solver, its names resolved against the levels below. */
  const assertText = (/** @type {string} */ text) => {
    const known = stack.flatMap((l) => l.names);
    const vec = Z3.parse_smtlib2_string(ctx, text, [], [], known.map(([s]) => s), known.map(([, d]) => d));
    Z3.ast_vector_inc_ref(ctx, vec);
    try {
      const n = Z3.ast_vector_size(ctx, vec);
      for (let i = 0; i < n; i++) Z3.solver_assert(ctx, solver, Z3.ast_vector_get(ctx, vec, i));
    } finally {
      Z3.ast_vector_dec_ref(ctx, vec);
    }
    /** @type {Array<[any, any]>} */
    const names = [];
    for (const m of text.matchAll(DECLARATION)) {
      const sym = Z3.mk_string_symbol(ctx, m[1]);
      const decl = Z3.mk_func_decl(ctx, sym, [], sorts[/** @type {'Int' | 'Bool'} */ (m[2])]);
      Z3.inc_ref(ctx, Z3.func_decl_to_ast(ctx, decl)); // a context with reference counts frees what no one holds
      names.push([sym, decl]);
    }
    return names;
  };

  const valueOf = (/** @type {any} */ model, /** @type {string} */ name, /** @type {'Int' | 'Bool'} */ sort) => {
    const c = Z3.mk_const(ctx, Z3.mk_string_symbol(ctx, name), sorts[sort]);
    Z3.inc_ref(ctx, c);
    try {
      const v = Z3.model_eval(ctx, model, c, true);
      if (v === null) return undefined;
      Z3.inc_ref(ctx, v);
      try {
        return sort === 'Int' ? Z3.get_numeral_string(ctx, v) : Z3.get_bool_value(ctx, v) === 1;
      } finally {
        Z3.dec_ref(ctx, v);
      }
    } finally {
      Z3.dec_ref(ctx, c);
    }
  };

  reply({ ready: true });
  // the parent gone (its end of the pipe closed) ends this process at once, even mid-check:
  // the loop below sees the end only once z3 answers, which may be never
  process.stdin.on('end', () => process.exit(0));
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const q = JSON.parse(line);
    try {
      if (!solver || rlimit !== q.rlimit) fresh(q.rlimit);
      // keep the levels this query shares with the last one
      let keep = 0;
      while (keep < stack.length && keep < q.levels.length && stack[keep].text === q.levels[keep]) keep++;
      popTo(keep);
      for (const text of q.levels.slice(keep)) {
        Z3.solver_push(ctx, solver);
        stack.push({ text, names: [] });
        stack[stack.length - 1].names = assertText(text);
      }
      // the goal: a level of its own, popped after the check
      Z3.solver_push(ctx, solver);
      stack.push({ text: q.goal, names: [] });
      try {
        stack[stack.length - 1].names = assertText(q.goal);
        const r = await Z3.solver_check(ctx, solver);
        if (r === 1) {
          const model = Z3.solver_get_model(ctx, solver);
          Z3.model_inc_ref(ctx, model);
          try {
            /** @type {Record<string, string>} */
            const values = {};
            for (const name of q.names) {
              const v = valueOf(model, name, 'Int');
              if (v !== undefined) values[name] = /** @type {string} */ (v);
            }
            /** @type {Record<string, boolean>} */
            const flags = {};
            for (const name of q.flags ?? []) {
              const v = valueOf(model, name, 'Bool');
              if (v !== undefined) flags[name] = /** @type {boolean} */ (v);
            }
            reply({ id: q.id, status: 'sat', values, flags, cpu: cpuMs() });
          } finally {
            Z3.model_dec_ref(ctx, model);
          }
        } else if (r === -1) {
          reply({ id: q.id, status: 'unsat', cpu: cpuMs() });
        } else {
          reply({ id: q.id, status: 'unknown', reason: Z3.solver_get_reason_unknown(ctx, solver), cpu: cpuMs() });
        }
      } finally {
        popTo(stack.length - 1);
      }
    } catch (e) {
      // a solver in an unknown state is not reused
      try { fresh(q.rlimit); } catch { solver = null; stack = []; /* the context itself may be gone: the next query fails too, and is unknown */ }
      reply({ id: q.id, status: 'unknown', reason: `z3: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`solver: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
