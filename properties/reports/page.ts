// The report page a kernel developer reads on the code host: a one-line verdict, the case as a
// table (decimal and hex), the picture, what was expected against what happened, the kernel's
// own story of the failure, the userspace steps with a selftest snippet, and the replay command.

import path from 'path';
import { PAGE_SHIFT, viewsOf } from '../../model/layout';
import { show } from '../../model/ranges';
import { Expectation, PropertyId } from '../../model/variant';
import { decHex } from '../../model/word';
import { memoryRoot } from '../../model/vm';
import { phaseName } from '../../model/kvm';
import { diff, unmapsOf, viewOutcomes } from '../diff';
import { Outcome } from '../engine/execute';
import { formatOperation, shellWord } from '../format';
import { ReportRecord, isKernelTree } from './record';
import { selftestSnippet } from './selftest';
import { plan, withTheBug } from '../../live/repro';
import { bindHappened, bindOf, bindRows, bindStep, bindStory, eraText } from './bind-page';

const cell = (x: bigint) => `${x} | 0x${x.toString(16)}`;

/** What the caller frees, as the case has it: only pages the file has (a punch may run past its end). */
function freed(o: Outcome): string {
  const r = o.resolved;
  if (r.kind !== 'invalidate') return 'nothing';
  const size = o.layout.filePages;
  if (o.case.op.kind === 'convert' && r.convert) {
    return `no memory: it converts file pages [${r.start}, ${r.end}) to ${r.convert.toPrivate ? 'private' : 'shared'}, one huge page at a time, ` +
      `bracketing the huge pages [${r.convert.bracket.start}, ${r.convert.bracket.end}) and zapping the pages converted`;
  }
  if (o.case.op.kind === 'release') {
    return r.view === undefined ? `the whole guest_memfd (${size} pages; the invalidation covers [0, ULONG_MAX))`
      : `view ${r.view}'s file of the guest_memfd (that VM's bindings over [0, ULONG_MAX); the memory lives on with the inode and the other views)`;
  }
  const what = o.case.op.kind === 'memory-failure' ? 'the poisoned folio' : 'file pages';
  if (r.start >= size) return `nothing the guest_memfd has (${what} [${r.start}, ${r.end}), past its end at ${size})`;
  if (r.end > size) return `${what} [${r.start}, ${size}) of the guest_memfd (the range [${r.start}, ${r.end}) runs past the file's end at ${size})`;
  return `${what} [${r.start}, ${r.end}) of the guest_memfd`;
}

/** The extra unmaps of the case, told apart: inside their slot's gfns (for nothing) or outside them (wild). */
function collateral(o: Outcome): string {
  const parts: string[] = [];
  let inside = false, outside = false;
  const views = viewsOf(o.layout);
  const of = (view: number) => (views.length > 1 ? ` of view ${view}` : '');
  for (const d of diff(o)) {
    if (!d.extra.length) continue;
    const slot = views[d.view].slots.find((x) => x.id === d.slot)!;
    const own = { start: slot.base_gfn, end: slot.base_gfn + slot.npages };
    for (const e of d.extra) {
      const within = e.start >= own.start && e.end <= own.end;
      inside ||= within;
      outside ||= !within;
      parts.push(`gfns ${show(e)} ${within ? `of slot ${d.slot}${of(d.view)}` : `outside slot ${d.slot}${of(d.view)}'s gfns ${show(own)}`}`);
    }
  }
  const why = [
    inside ? 'mappings inside the slot are torn down for nothing: the guest faults them back in, at a cost' : '',
    outside ? 'a range outside the slot is a wild unmap of memory another slot, or no slot, owns' : '',
  ].filter(Boolean).join('; ');
  return `${parts.join(', ')}, which that range does not back. ${why.charAt(0).toUpperCase()}${why.slice(1)}.`;
}

/** Where a stale mapping stays, in a file of several views: which view's VM, and in which roots. */
function keptBy(whole: Outcome): string {
  const views = viewOutcomes(whole);
  if (views.length === 1) return '';
  const stale = diff(whole).filter((d) => d.missed.length);
  return stale.map((d) => {
    const { outcome } = views[d.view];
    const vm = outcome.layout.vmType ?? 'default';
    const made = outcome.events.length
      ? `the calls made on that VM did not unmap them (${unmapsOf(outcome).length} unmap${unmapsOf(outcome).length === 1 ? '' : 's'})`
      : 'no call at all was made on that VM';
    return ` View ${d.view}'s VM (${vm === 'tdx' ? 'a TDX VM' : 'a default VM'}) keeps slot ${d.slot}'s gfns ${d.missed.map(show).join(' ')} mapped in its ${memoryRoot(vm)} roots: ${made}.`;
  }).join('');
}

/** On a VM with mirrored TDP, the unmaps whose attribute filter kept them out of the roots that map the memory, in a sentence. */
function filterMissed(whole: Outcome): string {
  return viewOutcomes(whole).map(({ outcome }) => filterMissedIn(outcome)).join('');
}

function filterMissedIn(o: Outcome): string {
  const root = memoryRoot(o.layout.vmType ?? 'default');
  const off = unmapsOf(o).filter((u) => u.roots && !u.roots.includes(root));
  if (off.length === 0) return '';
  const reached = [...new Set(off.flatMap((u) => u.roots ?? []))];
  return ` Its ${off.length === 1 ? 'unmap' : `${off.length} unmaps`} reached ${reached.length ? `only the ${reached.join(' and ')} roots` : 'no roots'} ` +
    `(the range's attribute filter), while this VM maps its guest_memfd memory in its ${root} roots.`;
}

/** A no-stale-mapping violation ("view 1: slot 0: gfns [a, b) still mapped ...") as the object of "leaves". */
const stillMapped = (violation: string): string =>
  violation.replace(/^(?:view (\d+): )?slot (\d+): gfns (.*?) still mapped(.*)$/, (_, v, sl, g, rest) => `gfns ${g} of slot ${sl}${v ? ` of view ${v}` : ''} mapped${rest}`);

/** Two or three sentences, in the kernel's terms, of what goes wrong on a real host, derived from the case. */
export function story(property: PropertyId, o: Outcome, violations: readonly string[]): string {
  const r = o.resolved;
  const what = freed(o);
  const first = violations[0] ?? '';
  switch (property) {
    case 'no-stale-mapping':
      if (r.kind === 'invalidate' && r.convert) {
        return `The conversion makes file pages [${r.start}, ${r.end}) ${r.convert.toPrivate ? 'private' : 'shared'}, but the zap leaves ` +
          `${stillMapped(first)}.${keptBy(o)} ` +
          'The guest keeps its old mapping of pages whose attributes changed: userspace takes them as shared while the guest still writes them through a private mapping.';
      }
      return `The caller frees ${what}, but ${o.events.some((e) => e.phase === 'zap') || o.case.layout.pageOrder ? 'kvm_gmem_zap()' : 'kvm_gmem_invalidate_begin()'} leaves ${stillMapped(first)}.${keptBy(o)}${filterMissed(o)} ` +
        'Once the folios are truncated the guest still reaches host pages that were freed and may be reused: a use-after-free of guest memory, ' +
        'and for a confidential VM a page the host may hand to someone else while the guest writes to it.';
    case 'no-collateral-unmap':
      if (r.kind === 'invalidate' && r.view !== undefined) {
        return `Closing view ${r.view}'s file, the release also unmaps ${collateral(o).replace(', which that range does not back.', ', which the release does not cover.')} ` +
          'A release invalidates only the view whose file is closed: the memory lives on with the inode, and every other VM bound to it still uses its mappings.';
      }
      if (r.kind === 'invalidate' && r.convert) {
        return `Converting file pages [${r.start}, ${r.end}) (inside the huge pages [${r.convert.bracket.start}, ${r.convert.bracket.end}) it brackets), the zap also unmaps ${collateral(o)}`;
      }
      return `Invalidating ${r.kind === 'invalidate' ? `[${r.start}, ${r.end})` : 'nothing'}, kvm_gmem_invalidate_begin() also unmaps ${collateral(o)}`;
    case 'ranges-well-formed':
      return `kvm_gmem_invalidate_begin() hands the MMU a gfn range that is empty, wrapped or outside its slot (${first}). ` +
        'The arch unmap walks whatever it is given: an empty or wrapped range silently unmaps nothing, one outside the slot unmaps someone else\'s memory.';
    case 'no-warn':
      return `A WARN fires while the caller frees ${what} (${first}). ` +
        'Userspace can trigger it at will with fallocate(), and with panic_on_warn set it takes the host down.';
    case 'mmu-bookkeeping':
      if (first.startsWith("the invalidation's ranges leave out")) {
        return `The conversion's invalidation does not cover the whole huge page it converts in (${first}). ` +
          'A vCPU fault on one of the gfns left out sees no invalidation in progress there and may map the huge page again, across the pages ' +
          'whose attributes are changing, with the attributes they had.';
      }
      return `The MMU notifier bookkeeping is broken (${first}). ` +
        (/in_progress is [1-9]/.test(first)
          ? 'kvm->mmu_invalidate_in_progress stays raised, so every later page fault of the VM sees an invalidation in progress and retries forever: the vCPUs hang.'
          : 'Unmapping outside the lock or outside a registered invalidation lets a racing page fault install a mapping to memory that is being freed.');
    case 'no-redundant-unmap': {
      const calls = o.events.filter((e) => e.op === 'unmap').length;
      const visits = o.walks[0]?.visits ?? [];
      const again = visits.filter((v, i) => visits.findIndex((w) => w.slot.id === v.slot.id) !== i).map((v) => v.slot.id);
      const cause = again.length
        ? `The bindings xarray stores slot ${[...new Set(again)].join(' and slot ')}'s binding as several multi-index entries, and the walk visits the slot once per entry (${visits.length} visits); each visit unmaps again.`
        : 'The walk visits each slot once here, so the variant itself unmaps twice.';
      return `The same gfns are unmapped more than once (${first}): ${calls} unmap calls for this case, each drawn as its own bar in the picture. ${cause} ` +
        'The repeated unmaps are harmless but wasted.';
    }
    case 'bind-within-file': {
      const bind = bindOf(o);
      return bind ? bindStory(bind.r, bind.b, violations) : `kvm_gmem_bind() answers wrongly (${first}).`;
    }
  }
}

/** What else the same case shows, when this property's story would leave it out (an advisory story is mild). */
function alsoShows(property: PropertyId, o: Outcome): string {
  const of = (view: number) => (o.layout.otherViews?.length ? ` of view ${view}` : '');
  const missed = diff(o).flatMap((d) => d.missed.map((r) => `gfns ${show(r)} of slot ${d.slot}${of(d.view)}`));
  const extra = diff(o).flatMap((d) => d.extra.map((r) => `gfns ${show(r)} under slot ${d.slot}${of(d.view)}`));
  const out: string[] = [];
  if (missed.length && property !== 'no-stale-mapping') out.push(`The same case also leaves ${missed.join(', ')} mapped: a stale mapping (no-stale-mapping).`);
  if (extra.length && property !== 'no-collateral-unmap') out.push(`It also unmaps ${extra.join(', ')}, which the range does not back (no-collateral-unmap).`);
  return out.length ? ` ${out.join(' ')}` : '';
}

/** The story of a case the variant never finished, or broke on: it says what happened, not what a property would mean. */
function faultStory(o: Outcome): string | undefined {
  const f = o.fault;
  if (!f) return undefined;
  const r = o.resolved;
  const what = r.kind === 'invalidate' ? `invalidating file pages [${r.start}, ${r.end})` : r.kind === 'bind' ? `binding file pages [${r.slot.pgoff}, ${r.slot.pgoff + r.slot.npages})` : 'on this case';
  if (f.hang) {
    return `kvm_gmem_${phaseName(f.phase)}() does not return when ${what}: ${f.message}. ` +
      'In the kernel the caller holds the file\'s invalidate lock (and, inside begin, the MMU lock) around it, so a punch hole, a release or a memory failure ' +
      'that reaches this case never finishes, and every vCPU fault on the VM waits behind it.';
  }
  return `kvm_gmem_${phaseName(f.phase)}() breaks off when ${what}: ${f.message}. ` +
    'No property can judge what it would have unmapped; in the kernel a fault here is an oops with the MMU lock possibly held.';
}

const ROOT = path.join(__dirname, '..', '..');

/** Where a report's file is, as the replay command should name it: from the repo, or absolute (unquoted: shellWord() for a command). */
export function shown(dir: string, file: string): string {
  const rel = path.relative(ROOT, path.join(dir, file));
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.join(dir, file) : rel || '.';
}

/** A kernel tree's folder as --from-kernel takes it: the file's tree when it sits at virt/kvm/, else the file. */
function treeOf(file: string): string {
  const m = /^(.*)\/virt\/kvm\/guest_mem(?:fd)?\.c$/.exec(file);
  return m && m[1] ? m[1] : file;
}

/** The replay command, as it can be typed; for a kernel tree's report, with the tree named and what a changed file does. */
function replaySection(dir: string, stem: string, record: ReportRecord): string[] {
  const json = shellWord(shown(dir, `${stem}.json`));
  const { name, file } = record.variant;
  if (!isKernelTree(name) || file === undefined) return [`\`npm run check -- --report ${json}\``, ''];
  const tree = treeOf(path.resolve(dir, file));
  return [
    `\`npm run check -- --report ${json} --from-kernel ${shellWord(shown(path.dirname(tree), path.basename(tree)))}\``,
    '',
    `The tree is the one \`${name}\` was taken from (its file's sha256 begins \`${record.variant.sourceHash.slice(0, 8)}\`); name another ` +
      'with `--from-kernel` to replay the case there (a patched tree, or the same tree elsewhere). A tree whose file changed since ' +
      'is said to have changed, and the case runs on the file as it is now.',
    '',
  ];
}

/** For a history-dependent failure: the cases a fresh process runs first, as the replay does. */
function historySection(record: ReportRecord): string[] {
  const h = record.history ?? [];
  if (h.length === 0) return [];
  const shown = h.slice(0, 20).map((c, i) => {
    const op = c.op.kind === 'punch' ? `punch offset ${c.op.offset} len ${c.op.len} (mode ${c.op.mode})` : c.op.kind === 'release' ? 'release'
      : c.op.kind === 'convert' ? `convert offset ${c.op.offset} size ${c.op.size} to ${c.op.toPrivate ? 'private' : 'shared'}`
      : c.op.kind === 'bind' ? `bind slot ${c.op.slot}: memory_size ${c.op.memory_size} at guest_memfd_offset ${c.op.guest_memfd_offset}` : `memory failure at ${c.op.index}, order ${c.op.order}`;
    const slots = c.layout.slots.map((x) => `slot ${x.id}: pgoff ${x.pgoff}, npages ${x.npages}, base_gfn ${x.base_gfn}`).join('; ');
    return `${i + 1}. file of ${c.layout.filePages} pages; ${slots}; ${op}`;
  });
  return [
    '## History: it fails only after these',
    '',
    `Alone in a fresh process the case passes; it fails after the ${h.length} case(s) below ran in the same process first, so the variant keeps state ` +
      'from one call to the next (a `static` variable, say). The replay runs them first, in order, in a fresh process.',
    '',
    ...shown,
    ...(h.length > 20 ? [`1. ... and ${h.length - 20} more (the record has them all)`] : []),
    '',
  ];
}

/** How to run the case as a self-checking program on a live kernel, and what it would print with the bug. */
function liveParagraph(json: string, stem: string, record: ReportRecord): string[] {
  const bug = withTheBug({ stem, record });
  const p = plan(record);
  if (!p.runnable) return [`This case cannot run live on a kernel: ${p.why} (\`npm run check -- --report ${json} --live\` says so and exits 0).`, ''];
  const run = `\`npm run check -- --report ${json} --live\` builds this case as a self-checking program (live/repro.ts: a guest reads every ` +
    'gfn before and after the operation) and runs it on the machine\'s /dev/kvm: exit 0 PASS, 1 FAIL.';
  if (!bug.lines) return [`${run} On a kernel that invalidates as the reference says it passes. ${bug.note}`, ''];
  return [`${run} On a kernel that invalidates as the reference says it passes; on a kernel with this bug it would print:`, '', '```', ...bug.lines, '```', '',
    ...(bug.note ? [bug.note, ''] : [])];
}

/** The case as the system calls userspace makes, one step each (markdown: names in backticks). */
export function userspaceSteps(o: Outcome): string[] {
  const c = o.case, r = o.resolved;
  const views = viewsOf(o.layout);
  const several = views.length > 1;
  const tdxStep = '`KVM_CREATE_VM` with type `KVM_X86_TDX_VM` (mirrored TDP: its guest_memfd memory is private and mapped in mirror roots; an unmap reaches them only with `KVM_FILTER_PRIVATE`)';
  const steps = [
    ...(c.layout.vmType === 'tdx' ? [`${tdxStep}.`] : []),
    `\`KVM_CREATE_GUEST_MEMFD\` with size ${decHex(c.layout.filePages << PAGE_SHIFT)} bytes` +
      `${c.layout.pageOrder ? `, flag \`GUEST_MEMFD_FLAG_HUGETLB\` and page order ${c.layout.pageOrder} (the HugeTLB series; no released kernel has them)` : ''}${several ? ' (view 0: the VM that creates it)' : ''}.`,
  ];
  views.forEach((v, i) => {
    if (i > 0) {
      steps.push(`View ${i}: ${v.vmType === 'tdx' ? tdxStep : '`KVM_CREATE_VM`'}, and a view of the same file for that VM ` +
        '(a second `gmem_file` on the inode: the in-flight intra-host migration series adds it; a released kernel has no such call).');
    }
    for (const s of v.slots) {
      steps.push(`\`KVM_SET_USER_MEMORY_REGION2\` slot ${s.id}, flags \`KVM_MEM_GUEST_MEMFD\`: guest_phys_addr ${decHex(s.base_gfn << PAGE_SHIFT)}, ` +
        `memory_size ${decHex(s.npages << PAGE_SHIFT)}, guest_memfd_offset ${decHex(s.pgoff << PAGE_SHIFT)}.`);
    }
  });
  const bind = bindOf(o);
  steps.push(`${bind ? bindStep(bind.r, bind.b) : `${formatOperation(c.op, views.length)}${r.kind === 'error' ? ` (refused: -${r.errno})` : ''}`}.`);
  return steps;
}

export function reportPage(dir: string, stem: string, record: ReportRecord, o: Outcome, expected: Expectation): string {
  const { variant, property } = record;
  const c = o.case;
  const verdict = `**${variant.name}** fails **${property}**` +
    (expected === 'fail' ? ' (expected: the variant is known to fail it)' : expected === 'pass' ? ' (UNEXPECTED: the variant is expected to pass it)' : ' (advisory)') +
    `: ${record.difference.violations[0] ?? ''}`;
  const rows: string[] = ['| | decimal | hex |', '|---|---:|---:|', `| guest_memfd size, pages | ${cell(c.layout.filePages)} |`];
  const views = viewsOf(o.layout);
  const several = views.length > 1;
  views.forEach((v, i) => {
    const at = several ? `view ${i} ` : '';
    for (const s of v.slots) {
      rows.push(`| ${at}slot ${s.id} pgoff | ${cell(s.pgoff)} |`, `| ${at}slot ${s.id} npages | ${cell(s.npages)} |`, `| ${at}slot ${s.id} base_gfn | ${cell(s.base_gfn)} |`);
    }
  });
  const op = c.op;
  if (op.kind === 'punch') rows.push(`| fallocate offset, bytes | ${cell(op.offset)} |`, `| fallocate len, bytes | ${cell(op.len)} |`);
  if (op.kind === 'memory-failure') rows.push(`| folio index | ${cell(op.index)} |`, `| folio pages | ${cell(1n << BigInt(op.order))} |`);
  if (op.kind === 'convert') rows.push(`| conversion offset, bytes | ${cell(op.offset)} |`, `| conversion size, bytes | ${cell(op.size)} |`);
  if (o.layout.pageOrder) rows.splice(3, 0, `| page order (huge page, pages) | ${o.layout.pageOrder} (${1n << BigInt(o.layout.pageOrder)}) | |`);
  const r = o.resolved;
  const bind = bindOf(o);
  if (bind) rows.push(...bindRows(bind.r));
  if (r.kind === 'invalidate' && r.convert) {
    rows.push(`| converted (zapped) start | ${cell(r.start)} |`, `| converted (zapped) end | ${cell(r.end)} |`,
      `| bracketed (huge pages) start | ${cell(r.convert.bracket.start)} |`, `| bracketed (huge pages) end | ${cell(r.convert.bracket.end)} |`);
  } else if (r.kind === 'invalidate') rows.push(`| invalidated start | ${cell(r.start)} |`, `| invalidated end | ${cell(r.end)} |`);

  const happened = bind ? bindHappened(bind.r, bind.b) : several
    ? ['| view | slot | must unmap | unmapped | missed | extra |', '|---|---|---|---|---|---|']
    : ['| slot | must unmap | unmapped | missed | extra |', '|---|---|---|---|---|'];
  for (const d of bind ? [] : diff(o)) {
    const list = (rs: readonly { start: bigint; end: bigint }[]) => rs.map(show).join(' ') || '-';
    happened.push(`| ${several ? `${d.view} | ` : ''}${d.slot} | ${list(d.expected)} | ${list(d.unmapped)} | ${list(d.missed)} | ${list(d.extra)} |`);
  }

  const tdx = c.layout.vmType === 'tdx';
  const steps = userspaceSteps(o).map((x) => `1. ${x}`);

  const f = record.found;
  return [
    `# ${variant.name} fails ${property}`,
    '',
    verdict,
    '',
    bind ? `![file index axis: the file, its bindings, the binding asked for and each one stored](${stem}.svg)`
      : `![file index axis, bindings, the punched range, and per slot the gfns to unmap, unmapped, missed and extra](${stem}.svg)`,
    '',
    '## The case',
    '',
    ...rows,
    '',
    ...(bind ? [`kvm_gmem_bind() of the era ${eraText(bind.r)}.`, ''] : []),
    ...(several ? [`The file has ${views.length} views, one per VM: ${views.map((v, i) => `view ${i} ${v.vmType === 'tdx' ? 'a TDX VM (its guest_memfd memory private, in mirror roots)' : 'a default VM'}`).join(', ')}.`, '']
      : tdx ? ['The VM is a TDX VM (mirrored TDP): its guest_memfd memory is private, mapped in its mirror roots.', ''] : []),
    '## What happened',
    '',
    ...happened,
    '',
    `${bind ? 'Calls' : 'KVM calls'}: ${record.actual.calls.map((x) => `\`${x}\``).join(', ') || 'none'}${record.actual.fault ? `; the variant ${record.confirmation === 'hang' ? 'did not return' : 'threw'}: ${record.actual.fault}` : ''}.`,
    '',
    '## What it means in the kernel',
    '',
    faultStory(o) ?? `${story(property, o, record.difference.violations)}${alsoShows(property, o)}`,
    '',
    '## Reproduce from userspace',
    '',
    ...steps,
    '',
    '```c',
    selftestSnippet(o, `${variant.name} fails ${property}: ${shown(dir, `${stem}.md`)}`, `test_${stem.replace(/[^a-zA-Z0-9_]/g, '_')}`),
    '```',
    '',
    ...liveParagraph(shellWord(shown(dir, `${stem}.json`)), stem, record),
    ...historySection(record),
    '## Replay',
    '',
    ...replaySection(dir, stem, record),
    (f.proof
      ? `Found by proof (\`npm run prove\`: a counterexample the solver gave in the shape "${f.proof.shape}", replayed through the engine, then shrunk in ${f.numShrinks} steps), fast-check ${f.fastCheck}; `
      : f.fromReport
      ? `Found by replaying the case of the saved report \`${f.fromReport}\` (no search: a bug one variant had is a regression test for the others), fast-check ${f.fastCheck}; `
      : `Found with \`FC_SEED=${f.seed}\` (path \`${f.path}\`) after ${f.numRuns} runs and ${f.numShrinks} shrinks, fast-check ${f.fastCheck}; `) +
      `variant source sha256 \`${variant.sourceHash.slice(0, 12)}\`.`,
    '',
  ].join('\n');
}
