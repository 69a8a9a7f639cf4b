// --merge: the verdicts of the shards of one run (`--shard i/n --json`, each on a machine of its
// own) joined into the verdicts the whole run gives. A generated check's shards split its cases
// by index, so for each variant and property the whole run's verdict is the first failure by
// case index (a shard finds it, and shrinks and confirms it, exactly as the whole run would:
// fast-check's shrinking starts from that case alone), or a pass of every case; shard 0 alone
// replays the saved reports, and a failure one of them shows comes first, as the whole run
// replays them before drawing any case. An exhaustive scope's shards split its layouts: the
// failures add up, and the smallest failing case is the smallest of the shards', the first one
// the whole scan meets on a tie. A variant that hangs is the one exception: its verdicts are
// those of the first shard that met the hang (the whole run may show the hang on another
// property; either way it fails). Nothing here prints or saves: the command does, as it does
// for a run of its own.

import fs from 'fs';
import { Verdict } from '../engine/engine';
import { CasePlace, shownFirst } from '../engine/exhaustive';
import { HANDOVER_FORMAT, HandedVariant, HandedVerdict, Handover, verdictOf } from './handover';
import { ShardOutput } from './output-schema';
import { shardName } from '../engine/shard';

/** A shard's file that cannot be merged: it names the file and what is wrong. */
export class ShardFileError extends Error {
  constructor(readonly file: string, fault: string) {
    super(`${file}: ${fault}`);
    this.name = 'ShardFileError';
  }
}

export type MergedVerdict = Verdict & { readonly failures?: number; readonly crashes?: number; readonly complete?: boolean; readonly at?: CasePlace };

export interface Merged {
  readonly kind: Handover['kind'];
  readonly seed?: number;
  readonly numRuns?: number;
  readonly maxPages?: number;
  readonly count: number;
  readonly variants: readonly HandedVariant[];
  readonly broken: Handover['broken'];
  readonly warnings: Handover['warnings'];
  /** Each variant's verdicts, in the run's order, with the variant they are of. */
  readonly verdicts: ReadonlyArray<{ readonly variant: HandedVariant; readonly verdict: MergedVerdict }>;
}

/** The handover in a shard's --json output. */
function readHandover(file: string): Handover {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ShardFileError(file, `cannot be read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (e) {
    throw new ShardFileError(file, `is not JSON (${(e as Error).message}); is it the output of npm run -s check -- --shard I/N --json?`);
  }
  const parsed = ShardOutput.safeParse(json);
  if (!parsed.success) {
    const mode = (json as { mode?: unknown } | null)?.mode;
    if (typeof mode === 'string' && mode !== 'shard') throw new ShardFileError(file, `is the --json output of a run without --shard (mode ${mode}), not of a shard`);
    const first = parsed.error.issues[0];
    throw new ShardFileError(file, `is not a shard's --json output: ${first ? `${first.path.join('.') || 'its top'}: ${first.message}` : 'it does not fit the schema'}`);
  }
  const h = parsed.data.handover;
  if (h.format !== HANDOVER_FORMAT) throw new ShardFileError(file, `is a handover of format ${String(h.format)}, this command reads format ${HANDOVER_FORMAT}`);
  return h;
}

/** The shards of one run, in shard order: one of each index, all of one run. */
function shardsOf(files: readonly string[]): Handover[] {
  if (files.length === 0) throw new ShardFileError('--merge', 'give the --json output of every shard');
  const read = files.map((f) => ({ file: f, h: readHandover(f) }));
  const first = read[0];
  const same = (what: string, of: (h: Handover) => unknown) => {
    for (const r of read) if (JSON.stringify(of(r.h)) !== JSON.stringify(of(first.h))) throw new ShardFileError(r.file, `is of another run than ${first.file}: its ${what} differs`);
  };
  same('kind (a check or an exhaustive scope)', (h) => h.kind);
  same('shard count', (h) => h.shard.count);
  same('seed', (h) => h.seed);
  same('cases per property', (h) => h.numRuns);
  same('scope', (h) => h.maxPages);
  same('variants', (h) => h.variants.map((v) => [v.name, v.file, v.sourceHash]));
  same('properties', (h) => h.verdicts.map((v) => [v.variant, v.property]));
  const count = first.h.shard.count;
  const byIndex = new Array<Handover | undefined>(count);
  for (const r of read) {
    if (r.h.shard.index >= count) throw new ShardFileError(r.file, `names shard ${shardName(r.h.shard)}, past the last of ${count}`);
    if (byIndex[r.h.shard.index]) throw new ShardFileError(r.file, `is shard ${shardName(r.h.shard)} again`);
    byIndex[r.h.shard.index] = r.h;
  }
  const missing = byIndex.findIndex((h) => h === undefined);
  if (missing >= 0) throw new ShardFileError('--merge', `shard ${shardName({ index: missing, count })} is missing: a merge of some shards would judge only some cases`);
  return byIndex as Handover[];
}

/** Whether a variant hung in this shard: a hang reported, or properties not run after one. */
const hungIn = (h: Handover, name: string) => h.verdicts.some((v) => v.variant === name && (v.notRun || v.confirmation === 'hang'));

/** One property's verdict of the whole run from its shards' (shard order). */
function mergeCheck(vs: readonly HandedVerdict[]): HandedVerdict {
  const [first] = vs;
  if (first.fromSavedReport) return first;
  const broke = vs.find((v) => v.harnessError !== undefined);
  if (broke) return broke;
  // the first shard with a failure holds the whole run's first failing case
  const failed = vs.find((v) => v.actual === 'fail');
  const fixedReports = first.fixedReports;
  if (failed) return { ...failed, ...(fixedReports ? { fixedReports } : {}) };
  return { ...first, numRuns: vs.reduce((n, v) => n + v.numRuns, 0) };
}

/** One property's verdict over the whole scope from its shards'. */
function mergeExhaustive(vs: readonly HandedVerdict[]): HandedVerdict {
  // a property the scope does not judge is judged by no shard: never a pass
  if (vs.some((v) => v.actual === 'not-judged')) return vs[0];
  const sum = (of: (v: HandedVerdict) => number | undefined) => vs.reduce((n, v) => n + (of(v) ?? 0), 0);
  const failures = sum((v) => v.failures), crashes = sum((v) => v.crashes), numRuns = sum((v) => v.numRuns);
  const complete = vs.every((v) => v.complete !== false);
  const harnessError = vs.find((v) => v.harnessError !== undefined)?.harnessError;
  let smallest: HandedVerdict | undefined;
  for (const v of vs) {
    if (!v.counterexample || !v.at) continue;
    const a = verdictOf(v), b = smallest && verdictOf(smallest);
    if (!b || shownFirst({ c: a.counterexample!.case, at: v.at }, { c: b.counterexample!.case, at: smallest!.at! })) smallest = v;
  }
  const base = { ...vs[0], failures, crashes, numRuns, complete };
  if (failures === 0 && !smallest) return { ...base, actual: 'pass', matches: true };
  const shown = smallest ?? vs.find((v) => v.actual === 'fail')!;
  return {
    ...shown, failures, crashes, numRuns, complete,
    ...(harnessError !== undefined ? { harnessError } : {}),
    actual: 'fail',
    // the engine's rule: a crash or a broken harness is never the failure a variant expects
    matches: harnessError === undefined && crashes === 0 && shown.expected !== 'pass',
  };
}

/** The shards' results as the whole run's: its verdicts, variants, broken files and warnings. */
export function mergeShards(files: readonly string[]): Merged {
  const shards = shardsOf(files);
  const [first] = shards;
  const verdicts = first.variants.flatMap((variant) => {
    const hung = shards.find((h) => hungIn(h, variant.name));
    const props = first.verdicts.filter((v) => v.variant === variant.name).map((v) => v.property);
    return props.map((property) => {
      const vs = shards.map((h) => h.verdicts.find((v) => v.variant === variant.name && v.property === property)!);
      const merged = hung ? hung.verdicts.find((v) => v.variant === variant.name && v.property === property)!
        : first.kind === 'check' ? mergeCheck(vs) : mergeExhaustive(vs);
      return { variant, verdict: verdictOf(merged) as MergedVerdict };
    });
  });
  // the variants' rows: a hang is confirmed at most once a variant
  const variants = first.variants.map((v, i) => ({
    ...v,
    ran: { ...v.ran, ...(typeof v.ran.hangConfirmations === 'number' ? { hangConfirmations: Math.max(...shards.map((h) => Number(h.variants[i].ran.hangConfirmations))) } : {}) },
  }));
  return {
    kind: first.kind, seed: first.seed, numRuns: first.numRuns, maxPages: first.maxPages, count: first.shard.count,
    variants, broken: first.broken, warnings: first.warnings,
    verdicts: verdicts.map((x) => ({ ...x, variant: variants.find((v) => v.name === x.variant.name)! })),
  };
}

