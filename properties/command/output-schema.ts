// What `npm run check -- --json` prints, as one zod schema: the command's printers are typed by
// the types inferred from it (so the two cannot drift), and docs/check-output.schema.json is
// generated from it (`npm run schema:output`; a test keeps the committed file equal to it and
// validates real runs' output against the file with ajv).
//
// One JSON object per run, told apart by `mode`: a check, an exhaustive run, a report's replay, a
// bisect step, a patch or range check, a proof, a shard (--shard, read by --merge). A new kind of run adds its own object with its own `mode`
// to CommandOutput, reusing the parts below (Judged: what every run of generated cases prints). A run that stops before it has verdicts (a bad command line, an unreadable report) prints
// nothing on stdout: its exit status is 2 and stderr says why.

import fs from 'fs';
import path from 'path';
import { z } from 'zod';
import { PROPERTY_IDS, PropertyId } from '../../model/variant';
import { VM_TYPES } from '../../model/vm';
import { PHASES } from '../../model/kvm';
import { CaseRecord } from '../reports/schema';

const Int = z.number().int();
/** A case as a report's record holds it (properties/reports/schema.ts), defined once in the JSON Schema. */
const Case = CaseRecord.meta({ id: 'Case' });
const Property = z.enum(PROPERTY_IDS);
const Expectation = z.enum(['pass', 'fail', 'report']);
const ExitCode = z.union([z.literal(0), z.literal(1), z.literal(2)])
  .meta({ id: 'ExitCode', description: 'The exit status: 0 every verdict matches its expectation, 1 one does not, 2 something is broken.' });

export const Broken = z.array(z.object({ file: z.string(), message: z.string() }).strict())
  .meta({ id: 'Broken', description: 'The files the command could not check, or could not write (a report not saved: its verdict is listed without it), and why (each message names its file).' });

const CheckedVariant = z.object({
  name: z.string(),
  file: z.string(),
  vmTypes: z.array(z.enum(VM_TYPES as ['default', 'tdx'])).describe('The VM types its cases ran in.'),
  alsoAt: z.array(z.string()).min(1).optional().describe('Other trees named with --from-kernel that hold the same file: judged once, as this one.'),
}).strict().meta({ id: 'CheckedVariant', description: 'A variant the run checked.' });

const PortWarning = z.object({ file: z.string(), line: Int, message: z.string() }).strict()
  .describe('A port mistake found in a variant\'s text before any verdict (properties/command/port-check.ts).');

const CheckVerdict = z.object({
  variant: z.string(),
  property: Property,
  expected: Expectation,
  actual: z.enum(['pass', 'fail', 'not-judged']).describe('not-judged: no verdict was given (bind-within-file on a variant without a kvm_gmem_bind()), never a pass; violations says why.'),
  matches: z.boolean(),
  violations: z.array(z.string()).describe('What the counterexample breaks, or what broke the harness on it (or why it was not judged).'),
  path: z.string().nullable().describe('fast-check\'s path to the counterexample for the run\'s seed; null when it came from a saved report, passed, or was not reproduced in the command\'s process (--no-isolate).'),
  replay: z.string().nullable().describe('The command that replays this failure, as printed; null when it passed (or was not run).'),
  report: z.string().nullable().describe('The report page that shows it (new or already saved), or null.'),
  confirmation: z.enum(['reproduced', 'history', 'not-reproduced', 'hang', 'in-process']).nullable().describe('How the failure was confirmed (a fresh process, alone or after a history; a hang; in this process).'),
  notRun: z.boolean().describe('Not run: the variant hung on an earlier case.'),
  counterexample: Case.nullable(),
  history: z.array(Case).nullable().describe('For a history-dependent failure: the cases a fresh process runs first.'),
}).strict().describe('A check\'s verdict on one property of one variant.');

/** A variant a check ran, with what its cases were. */
const RanVariant = CheckedVariant.extend({
  maxViews: Int.describe('The views of the file its cases had: 1, or up to 3 for a variant that takes the inode.'),
  split: z.enum(['no', 'huge-pages', 'converts']).describe('The split era\'s cases it got: none, huge pages only, or conversions too.'),
  hangConfirmations: Int.describe('Hang candidates run again in a fresh process: at most one per variant that hangs.'),
  bind: z.enum(['6.8', '7.2']).nullable().describe('The era of its kvm_gmem_bind() when it has one (judged by bind-within-file), else null (not judged there).'),
}).strict();

/** What every run that judges generated cases prints besides its own part. */
const Judged = {
  seed: Int,
  numRuns: Int,
  broken: Broken,
  variants: z.array(RanVariant),
  warnings: z.array(PortWarning),
  verdicts: z.array(CheckVerdict),
};

export const CheckOutput = z.object({ mode: z.literal('check'), exitCode: ExitCode, ...Judged }).strict()
  .describe('npm run check -- --json: generated cases (or a --path replayed) for every variant and property.');

export const BisectOutput = z.object({
  mode: z.literal('bisect'),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(125), z.literal(128)]).describe('git bisect run\'s: 0 good, 1 bad, 125 skip this commit, 128 abort.'),
  why: z.string().describe('Why the step answers so, as its "bisect: ..." line on stderr says; a skip or an abort before any verdict names its cause in broken too.'),
  ...Judged,
  seed: Int.nullable().describe('null when the command line could not be read (an abort).'),
  numRuns: Int.nullable().describe('null when the command line could not be read (an abort).'),
}).strict().describe('npm run check -- --from-kernel TREE --bisect --json: the checked-out tree judged, for git bisect run.');

const SeriesKind = z.enum(['patch', 'rev']).describe('patch: --patch, the tree and its file after each patch; rev: --rev A..B, each commit that touches the file.');
const StateWord = z.enum(['pass', 'fail', 'absent', 'not-judged', 'unjudged']).describe('not-judged: the state gives the property no verdict (n/a, never a pass); unjudged: the harness could not judge it.');
const SeriesDetail = z.object({
  kind: SeriesKind,
  tree: z.string(),
  head: z.object({ commit: z.string(), dirty: z.boolean() }).strict().nullable().describe('The tree\'s checked-out commit, for a patch check on a git tree.'),
  range: z.string().nullable(),
  commitsInRange: Int.nullable(),
  patches: z.array(z.object({ file: z.string(), message: Int.nullable(), subject: z.string(), judged: z.boolean() }).strict())
    .describe('Every patch read, in order; judged: it touches the guest_memfd file, so a state follows it.'),
  skipped: z.array(z.object({ file: z.string(), message: Int.nullable(), subject: z.string() }).strict()).describe('Messages with no diff (a cover letter, a reply).'),
  states: z.array(z.object({
    label: z.string(),
    commit: z.string().nullable(),
    file: z.string().nullable(),
    variant: z.string().nullable().describe('The kernel-<era>-<hash> name its verdicts carry.'),
    missing: z.object({ kind: z.enum(['absent', 'broken']), why: z.string() }).strict().nullable(),
    properties: z.partialRecord(Property, z.enum(['pass', 'fail', 'not-judged', 'unjudged'])),
  }).strict()).describe('The tree, then the file after each judged patch (or at A, then each commit).'),
  steps: z.array(z.object({
    from: Int,
    to: Int,
    outside: z.string().nullable().describe('The step also changed the file outside the functions and macros the harness judges (a caller of them, say): what it says, which no verdict covers; null when it did not.'),
    changes: z.array(z.object({
      property: Property,
      before: StateWord,
      after: StateWord,
      change: z.enum(['fixed', 'broke', 'unchanged', 'added', 'removed', 'unjudged']),
      counts: z.boolean().describe('A break of a property the tree must pass: exit 1.'),
      note: z.string().nullable(),
      counterexample: Case.nullable(),
      violations: z.array(z.string()),
      replay: z.string().nullable(),
    }).strict()),
  }).strict()),
  firstChange: Int.nullable(),
  firstBreak: Int.nullable(),
}).strict();

export const SeriesOutput = z.object({
  mode: z.literal('series'),
  exitCode: ExitCode,
  ...Judged,
  series: z.union([SeriesDetail, z.object({ kind: SeriesKind, nothingJudged: z.string().describe('Why nothing was judged: no patch or commit touches the file.') }).strict()]),
}).strict().describe('npm run check -- --from-kernel TREE --patch FILE... or --rev A..B --json: the file\'s states judged with one seed and compared.');

export const ExhaustiveOutput = z.object({
  mode: z.literal('exhaustive'),
  exhaustive: z.object({ maxPages: Int, shard: z.string().regex(/^\d+\/\d+$/), casesPerVmType: Int }).strict(),
  exitCode: ExitCode,
  broken: Broken,
  variants: z.array(CheckedVariant),
  verdicts: z.array(z.object({
    variant: z.string(),
    property: Property,
    expected: Expectation,
    actual: z.enum(['pass', 'fail', 'not-judged']).describe('not-judged: the scope holds no case of the property (bind-within-file), never a pass.'),
    matches: z.boolean(),
    failures: Int.describe('Cases of the shard that violate the property.'),
    violations: z.array(z.string()),
    report: z.string().nullable(),
    counterexample: Case.nullable().describe('The smallest failing case.'),
  }).strict()),
}).strict().describe('npm run check -- --exhaustive N --json: every case of the small scope (or of one --shard).');

export const ReplayOutput = z.object({
  mode: z.literal('replay'),
  report: z.string().describe('The report\'s record, as named on the command line.'),
  variant: z.object({
    name: z.string().describe('The variant the report names.'),
    file: z.string().nullable().describe('The file it was replayed on: a variant\'s, or a kernel tree\'s guest_memfd.c.'),
    changedTo: z.string().optional().describe('A kernel tree whose file changed since the report: the name it has now (its hash is in the name).'),
  }).strict(),
  property: Property,
  expected: Expectation,
  status: z.enum(['reproduces', 'fixed', 'returns now']).describe('What the case does today: it still fails (or still hangs), passes now, or returns now where it hung.'),
  violations: z.array(z.string()),
  fault: z.string().nullable().describe('How the variant broke off the case, if it did (a hang, a crash, a throw).'),
  exitCode: ExitCode,
}).strict().describe('npm run check -- --report FILE --json: one saved report replayed on its variant today.');

const ProveResult = z.object({
  property: Property,
  advisory: z.boolean(),
  status: z.enum(['proved', 'counterexample', 'unknown', 'not-judged']).describe('proved for every value the input rules allow within the bound; a counterexample; unknown (reason says why); not-judged: bind-within-file of a variant without a kvm_gmem_bind() (or a C file, whose kvm_gmem_bind() is not translated), no verdict and never a pass.'),
  expected: Expectation,
  matches: z.boolean().nullable().describe('Whether the verdict is the expected one (a confirmed counterexample for a property the variant must fail, proved for one it must pass); null when not judged.'),
  ms: Int.describe('When the verdict was settled, from the start of the variant\'s proof.'),
  reason: z.string().nullable().describe('Why unknown (a solver limit, a construct at its file and line, a path cut), or why not judged.'),
  shape: z.string().nullable().describe('The shape the counterexample was found in, in words.'),
  counterexample: Case.nullable().describe('The counterexample\'s case, shrunk, as the engine replayed it.'),
  replay: z.enum(['confirmed', 'spurious', 'bug']).nullable().describe('What the engine made of the counterexample: it fails too; it does not, through an over-approximation (unknown); it does not, a prover bug (exit 2).'),
  report: z.string().nullable().describe('The report saved for it, or null (not saved: an expected failure a report already shows).'),
}).strict();

export const ProveOutput = z.object({
  mode: z.literal('prove'),
  bound: z.enum(['full', 'small']),
  boundWords: z.string().describe('The bound, in words, for every era.'),
  exitCode: ExitCode,
  broken: Broken,
  variants: z.array(z.object({
    variant: z.string(),
    file: z.string(),
    bound: z.string().describe('The bound in words for the variant\'s era: what "proved" covers.'),
    shapes: Int,
    paths: Int,
    queries: Int,
    cached: Int.describe('Queries an earlier identical one answered.'),
    ms: Int.describe('Wall time.'),
    cpuMs: Int.describe('CPU time of the prover and the solver together.'),
    results: z.array(ProveResult),
  }).strict()),
}).strict().describe('npm run prove -- --json (or npm run check -- --prove --json): each variant proved within a bound, a verdict per property.');


// ---- a shard (--shard I/N --json): what --merge reads (properties/command/handover.ts) ----

/** A 64-bit value, as a decimal string. */
const Big = z.string().regex(/^-?\d+$/);
const Phase = z.enum(PHASES as ['begin', 'zap', 'end', 'convert', 'bind']);
const Fault = z.object({ phase: Phase, message: z.string(), hang: z.boolean().optional(), notRun: z.boolean().optional() }).strict();

/** What a variant did on a case: its KVM calls, walks, bind answer, fault; the rest the merge derives from the case. */
const OutcomeRecord = z.object({
  case: Case,
  events: z.array(z.object({
    op: z.enum(['lock', 'unlock', 'invalidate_begin', 'invalidate_end', 'flush', 'range_add', 'unmap', 'warn']),
    phase: Phase,
    view: Int.optional(),
    start: Big.optional(),
    end: Big.optional(),
    slot: Int.optional(),
    flush: z.boolean().optional(),
    roots: z.array(z.enum(['direct', 'mirror'])).optional(),
    source: z.enum(['variant', 'kvm']).optional(),
    message: z.string().optional(),
  }).strict()),
  walks: z.array(z.object({ view: Int.optional(), start: Big, last: Big, visits: z.array(z.tuple([Big, Int])) }).strict()),
  bound: z.object({ ret: Int, pgoff: Big, stores: z.array(z.object({ view: Int.optional(), first: Big, last: Big, slot: Int }).strict()) }).strict().optional(),
  fault: Fault.optional(),
}).strict().meta({ id: 'OutcomeRecord' });

const HandedVerdict = z.object({
  variant: z.string(),
  property: Property,
  expected: Expectation,
  actual: z.enum(['pass', 'fail', 'not-judged']),
  matches: z.boolean(),
  seed: Int.optional(),
  numRuns: Int.describe('A check: the whole run\'s index + 1 of its failing case, or the cases it ran; a scope: the cases of the shard.'),
  counterexample: OutcomeRecord.optional(),
  violations: z.array(z.string()).optional(),
  path: z.string().optional(),
  numShrinks: Int.optional(),
  harnessError: z.string().optional(),
  confirmation: z.enum(['reproduced', 'history', 'not-reproduced', 'hang', 'in-process']).optional(),
  history: z.array(Case).optional(),
  notRun: z.boolean().optional(),
  fixedReports: z.array(z.string()).optional(),
  fromSavedReport: z.boolean().optional(),
  savedReport: z.string().optional(),
  failures: Int.optional(),
  crashes: Int.optional(),
  complete: z.boolean().optional(),
  at: z.tuple([Int, Int]).optional().describe('An exhaustive scope\'s smallest failing case: its layout\'s number and its place among that layout\'s cases, in the whole scan.'),
}).strict();

export const Handover = z.object({
  format: z.literal(1),
  kind: z.enum(['check', 'exhaustive']),
  shard: z.object({ index: Int.min(0), count: Int.min(1) }).strict().describe('0-based here; the command line names shard index + 1 of count.'),
  seed: Int.optional(),
  numRuns: Int.optional().describe('A check\'s cases per property: the whole run\'s, not the shard\'s.'),
  maxPages: Int.optional(),
  variants: z.array(z.object({
    name: z.string(),
    file: z.string().describe('Relative to the folder the command ran in.'),
    kernelTree: z.boolean(),
    tree: z.string().optional().describe('A kernel tree: the --from-kernel argument it was taken from, relative to the folder the command ran in.'),
    sourceHash: z.string(),
    expect: z.object(Object.fromEntries(PROPERTY_IDS.map((id) => [id, Expectation])) as Record<PropertyId, typeof Expectation>).strict().describe('Its expectation of each property.'),
    ran: RanVariant,
  }).strict()),
  broken: Broken,
  warnings: z.array(PortWarning),
  verdicts: z.array(HandedVerdict),
}).strict().meta({ id: 'Handover' });

export const ShardOutput = z.object({
  mode: z.literal('shard'),
  exitCode: ExitCode.describe('This shard\'s part alone: only --merge of every shard says what the run found.'),
  handover: Handover,
}).strict().describe('npm run check -- --shard I/N --json (a check or --exhaustive): one shard\'s verdicts with their outcomes, for --merge; never a whole run\'s verdict.');


export const CommandOutput = z.discriminatedUnion('mode', [CheckOutput, ExhaustiveOutput, ReplayOutput, BisectOutput, SeriesOutput, ProveOutput, ShardOutput]);

export type CheckOutput = z.infer<typeof CheckOutput>;
export type BisectOutput = z.infer<typeof BisectOutput>;
export type SeriesOutput = z.infer<typeof SeriesOutput>;
export type SeriesDetail = z.infer<typeof SeriesDetail>;
export type ExhaustiveOutput = z.infer<typeof ExhaustiveOutput>;
export type ReplayOutput = z.infer<typeof ReplayOutput>;
export type ShardOutput = z.infer<typeof ShardOutput>;
export type Handover = z.infer<typeof Handover>;
export type ProveOutput = z.infer<typeof ProveOutput>;
export type CommandOutput = z.infer<typeof CommandOutput>;

export const OUTPUT_SCHEMA_FILE = path.join(__dirname, '..', '..', 'docs', 'check-output.schema.json');

/** The output as JSON Schema (draft 2020-12), for docs/check-output.schema.json. */
export function outputJsonSchema(): object {
  return {
    ...z.toJSONSchema(CommandOutput, { target: 'draft-2020-12' }),
    $id: 'https://gmem-invalidate-harness/check-output.schema.json',
    title: 'gmem-invalidate-harness: the output of npm run check -- --json',
    description: 'One object per run, by mode: a check, an exhaustive run (--exhaustive), a report replayed (--report), a bisect step (--bisect), a patch or range check (--patch, --rev), a proof (npm run prove, --prove), a shard (--shard, read by --merge). Generated from properties/command/output-schema.ts.',
  };
}

export const outputSchemaText = (): string => `${JSON.stringify(outputJsonSchema(), null, 2)}\n`;

// npm run schema:output: writes the file
if (require.main === module) {
  fs.mkdirSync(path.dirname(OUTPUT_SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(OUTPUT_SCHEMA_FILE, outputSchemaText());
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT_SCHEMA_FILE)}`);
}
