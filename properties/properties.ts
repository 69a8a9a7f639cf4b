// The properties, each with a stable id, as functions from an outcome to the violations found
// (empty when it holds). Correctness ones judge the unmaps, WARNs and MMU bookkeeping, and
// kvm_gmem_bind()'s answer to a bind request; the advisory one (redundant unmaps) is reported.
// In a file with several views each property holds per view (each VM has its own lock,
// bookkeeping and mappings), and a violation names its view.

import { BindRequest } from '../model/callers';
import { ERRNO_NUMBERS, returnText } from '../model/errno';
import { BindStore } from '../model/kernel';
import { KvmEvent, phaseName } from '../model/kvm';
import { Memslot, PAGE_SHIFT, slotById } from '../model/layout';
import { bindingMeeting } from '../model/rules';
import { Range, covers, intersect, normalize, show, subtract } from '../model/ranges';
import { expectedUnmaps, slotGfns } from '../model/reference';
import { PropertyId } from '../model/variant';
import { diff, unmapsOf, viewOutcomes } from './diff';
import { BindAnswer, Outcome } from './engine/execute';

export interface Property {
  readonly id: PropertyId;
  readonly title: string;
  /**
   * 'bind': it judges bind requests, drawn by properties/arbitraries.ts bindCaseArbFor, and only
   * a variant with a bind() (its kvm_gmem_bind()); absent: the invalidation cases.
   */
  readonly draws?: 'bind';
  check(o: Outcome): string[];
}

const ranges = (rs: readonly Range[]) => rs.map(show).join(' ');

const noStaleMapping: Property = {
  id: 'no-stale-mapping',
  title: 'every gfn backed by an invalidated index is unmapped, under its own slot',
  check: (o) => {
    // a loop, not filter().map(): nearly every case has nothing to say, and says it per property
    const out: string[] = [];
    for (const d of diff(o)) if (d.missed.length > 0) out.push(`slot ${d.slot}: gfns ${ranges(d.missed)} still mapped${o.layout.vmType === 'tdx' ? ' in the mirror roots (private memory of a TDX VM)' : ''}`);
    return out;
  },
};

const noCollateralUnmap: Property = {
  id: 'no-collateral-unmap',
  title: 'nothing else is unmapped, nothing outside the slot',
  check: (o) => {
    const out: string[] = [];
    for (const d of diff(o)) if (d.extra.length > 0) out.push(`slot ${d.slot}: gfns ${ranges(d.extra)} unmapped for nothing`);
    return out;
  },
};

const rangesWellFormed: Property = {
  id: 'ranges-well-formed',
  title: 'each unmapped range is non-empty, not wrapped, inside its slot',
  check: (o) => {
    const out: string[] = [];
    for (const u of o.events) {
      if (u.op !== 'unmap') continue;
      const slot = slotById(o.layout.slots, u.slot)!;
      if (u.start > u.end) out.push(`slot ${u.slot}: range ${show(u)} is wrapped`);
      else if (u.start === u.end) out.push(`slot ${u.slot}: range ${show(u)} is empty`);
      else if (u.start < slot.base_gfn || u.end > slot.base_gfn + slot.npages) out.push(`slot ${u.slot}: range ${show(u)} leaves the slot's gfns ${show(slotGfns(slot))}`);
    }
    return out;
  },
};

const noWarn: Property = {
  id: 'no-warn',
  title: 'no WARN fires, in the variant or in the KVM helpers it calls',
  check: (o) => {
    const out: string[] = [];
    for (const e of o.events) if (e.op === 'warn') out.push(`${e.message} (in ${phaseName(e.phase)}${e.view ? `, on view ${e.view}'s VM` : ''})`);
    return out;
  },
};

/** An unmap's gfn range as a message says it. */
const unmapText = (e: { readonly start: bigint; readonly end: bigint }) => show({ start: e.start, end: e.end });

/** Replays the log against the rules of virt/kvm/kvm_main.c (6.8) and the mmu_notifier protocol. */
function bookkeeping(events: readonly KvmEvent[]): string[] {
  const out: string[] = [];
  let locked = false, inProgress = 0, flushDue = false;
  // kvm_mmu_invalidate_range_add keeps the hull of what was added
  let added = false, addedStart = 0n, addedEnd = 0n;
  // every case passes through here: a message is only built for a rule that is broken
  const broke = (e: KvmEvent, what: string) => out.push(`${what} (in ${phaseName(e.phase)})`);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    switch (e.op) {
      case 'lock':
        if (locked) broke(e, 'KVM_MMU_LOCK with the lock already held');
        locked = true;
        break;
      case 'unlock':
        if (!locked) broke(e, 'KVM_MMU_UNLOCK without the lock');
        // __kvm_handle_hva_range() flushes before unlocking: after it, a vCPU can miss the flush
        if (flushDue) broke(e, 'KVM_MMU_UNLOCK with no TLB flush since unmaps that reported work (the flush must come before the unlock)');
        locked = false;
        flushDue = false;
        break;
      case 'invalidate_begin':
        if (!locked) broke(e, 'kvm_mmu_invalidate_begin outside the MMU lock');
        if (++inProgress === 1) added = false;
        break;
      case 'invalidate_end':
        if (!locked) broke(e, 'kvm_mmu_invalidate_end outside the MMU lock');
        if (!(inProgress > 0)) broke(e, 'kvm_mmu_invalidate_end with no invalidation in progress');
        inProgress--;
        break;
      case 'range_add':
        if (!locked) broke(e, 'kvm_mmu_invalidate_range_add outside the MMU lock');
        if (!(inProgress > 0)) broke(e, 'kvm_mmu_invalidate_range_add with no invalidation in progress');
        if (!added) { added = true; addedStart = e.start; addedEnd = e.end; } else {
          if (e.start < addedStart) addedStart = e.start;
          if (e.end > addedEnd) addedEnd = e.end;
        }
        break;
      case 'unmap': {
        // its range is written only into a message (no closure made per unmap to write it)
        if (e.phase === 'end') broke(e, `unmap of ${unmapText(e)} in invalidate_end, after the caller truncated the folios`);
        if (!locked) broke(e, `unmap of ${unmapText(e)} outside the MMU lock`);
        if (!(inProgress > 0)) broke(e, `unmap of ${unmapText(e)} with no invalidation in progress`);
        const covered = e.start >= e.end || (added && addedStart <= e.start && e.end <= addedEnd);
        if (!covered) broke(e, `unmap of ${unmapText(e)} outside the ranges added to the invalidation (a racing fault would not retry)`);
        if (e.flush) flushDue = true;
        break;
      }
      case 'flush': flushDue = false; break;
      case 'warn': break;
    }
    // the end of a phase, written here rather than as a closure: a closure that wrote `locked` and
    // `flushDue` made them live in a context object, read and written there on every event
    const next = events[i + 1];
    if (next === undefined || next.phase !== e.phase) {
      if (locked) out.push(`${phaseName(e.phase)} returned with the MMU lock held`);
      if (flushDue) out.push(`${phaseName(e.phase)} unmapped something and returned without a TLB flush`);
      flushDue = false;
    }
  }
  if (inProgress !== 0) out.push(`mmu_invalidate_in_progress is ${inProgress} after invalidate_begin + invalidate_end, not 0`);
  return out;
}

/**
 * A conversion brackets whole huge pages (kvm_gmem_compute_invalidate_start/_end, KERNEL-FACTS
 * §6): the ranges added to the invalidation must cover every gfn the huge pages it converts back,
 * or a racing fault may map a huge page across the pages being converted.
 */
function bracketCoverage(o: Outcome): string[] {
  const r = o.resolved;
  if (r.kind !== 'invalidate' || !r.convert) return [];
  const needs = expectedUnmaps(o.layout, r.convert.bracket.start, r.convert.bracket.end);
  // a view with no binding in the huge pages converted has nothing to cover: no ranges gathered
  if (needs.length === 0) return [];
  const adds: Range[] = [];
  for (const e of o.events) if (e.op === 'range_add' && e.start < e.end) adds.push({ start: e.start, end: e.end });
  const added = normalize(adds);
  const out: string[] = [];
  for (const need of needs) {
    // nearly every need is covered: what is left out is computed only for the message
    if (covers(added, need.gfns)) continue;
    const left = subtract([need.gfns], added);
    const what = o.layout.pageOrder ? `the huge page(s) [${r.convert.bracket.start}, ${r.convert.bracket.end}) being converted (a racing fault could map them huge)`
      : `the pages [${r.convert.bracket.start}, ${r.convert.bracket.end}) being converted (a racing fault would not retry)`;
    out.push(`the invalidation's ranges leave out gfns ${ranges(left)} of slot ${need.slot.id}, backed by ${what}`);
  }
  return out;
}

const mmuBookkeeping: Property = {
  id: 'mmu-bookkeeping',
  title: 'unmaps under the lock inside an invalidation, begin/end balanced, flush after work and before unlock; a conversion brackets its huge pages',
  check: (o) => {
    // nearly every case breaks no rule and converts nothing: its list is bookkeeping's own (no spread)
    const broken = bookkeeping(o.events), bracket = bracketCoverage(o);
    return bracket.length ? [...broken, ...bracket] : broken;
  },
};

const noRedundantUnmap: Property = {
  id: 'no-redundant-unmap',
  title: 'no gfn is unmapped twice (advisory: a multi-chunk binding is visited once per chunk)',
  check: (o) => {
    const us = unmapsOf(o, true);
    const out: string[] = [];
    for (let i = 0; i < us.length; i++) {
      for (let j = i + 1; j < us.length; j++) {
        const both = intersect(us[i], us[j]);
        // the first four pairs are what it says
        if (both && out.push(`gfns ${show(both)} unmapped twice (slot ${us[i].slot} and slot ${us[j].slot})`) === 4) return out;
      }
    }
    return out;
  },
};

/** An era's name as a violation says it. */
const eraName = (r: BindRequest) => (r.era === '6.8' ? 'the 6.8 to 7.1 rule' : 'the 7.2 rule');
const pages = (n: bigint) => `${n} page${n === 1n ? '' : 's'}`;
const stored = (s: BindStore) => `[${s.first}, ${s.last + 1n})`;

/**
 * What is wrong with a kvm_gmem_bind()'s answer to request `r` (model/callers.ts bindRequest):
 * an accepted binding must lie wholly inside the file, over no other binding of the view, and be
 * the one asked for; a request the reference (model/rules.ts kvmGmemBindExpected) accepts must
 * be accepted, and one it refuses refused with the era's errno, storing nothing.
 */
export function bindViolations(r: BindRequest, b: BindAnswer, bound: readonly Memslot[] = []): string[] {
  const out: string[] = [];
  const filePages = r.i_size >> PAGE_SHIFT;
  const asked = `guest_memfd_offset ${r.offset} for ${pages(r.slot.npages)} (file pages [${r.slot.pgoff}, ${r.slot.pgoff + r.slot.npages}))`;
  const want = r.expected;
  if (b.ret === 0) {
    for (const s of b.stores) {
      if (s.first > s.last) out.push(`bound file pages [${s.first}, ${s.last}], a wrapped range`);
      else if (s.last >= filePages) out.push(`accepted ${asked}: it bound file pages ${stored(s)}, past the end of the file (${pages(filePages)})`);
      const other = bindingMeeting(bound, s.first, s.last - s.first + 1n);
      if (s.first <= s.last && other) out.push(`bound file pages ${stored(s)} over slot ${other.id}'s binding [${other.pgoff}, ${other.pgoff + other.npages})`);
    }
    if (want) out.push(`accepted a request ${eraName(r)} refuses with -${want.errno} (${want.rule}${r.taken ? `: slot ${r.taken.id}` : ''})`);
    if (b.stores.length !== 1) out.push(`returned 0 after ${b.stores.length} xa_store_range() calls, not one`);
    const first = b.stores[0];
    if (!want && first && (first.first !== r.slot.pgoff || first.last !== r.slot.pgoff + r.slot.npages - 1n)) {
      out.push(`bound file pages ${stored(first)} where the request asks for [${r.slot.pgoff}, ${r.slot.pgoff + r.slot.npages})`);
    }
    if (first && b.pgoff !== first.first) out.push(`set slot->gmem.pgoff to ${b.pgoff}, but the binding starts at file page ${first.first}`);
    if (first && first.slot !== r.slot.id) out.push(`stored slot ${first.slot}, not the slot being bound (${r.slot.id})`);
  } else if (b.ret < 0) {
    if (b.stores.length) out.push(`returned ${returnText(b.ret)} after storing file pages ${b.stores.map(stored).join(' ')}: the binding stays in the xarray`);
    if (!want) {
      out.push(`refused ${asked} with ${returnText(b.ret)}, though it lies inside the file (${pages(filePages)}) and meets no other binding`);
    } else if (-b.ret !== ERRNO_NUMBERS[want.errno]) {
      out.push(`refused ${asked} with ${returnText(b.ret)} where ${eraName(r)} says -${want.errno} (${want.rule}${r.taken ? `: slot ${r.taken.id}` : ''})`);
    }
  } else {
    out.push(`returned ${b.ret}, neither 0 nor a negative errno`);
  }
  return out;
}

const bindWithinFile: Property = {
  id: 'bind-within-file',
  title: "kvm_gmem_bind() binds only wholly inside the file, over no other binding, accepts every such request, and refuses the rest with its era's errno",
  draws: 'bind',
  check: (o) => (o.resolved.kind === 'bind' && o.bound ? bindViolations(o.resolved, o.bound, o.layout.slots) : []),
};

export const PROPERTIES: readonly Property[] = [
  noStaleMapping, noCollateralUnmap, rangesWellFormed, noWarn, mmuBookkeeping, bindWithinFile, noRedundantUnmap,
];

/**
 * Why a variant gets no verdict on a property, or null when it does: a property of bind requests
 * judges only a variant that has a bind() (a C file or a tree: a kvm_gmem_bind()).
 */
export function notJudged(p: Pick<Property, 'draws'>, variant: { readonly bind?: unknown }): string | null {
  return p.draws === 'bind' && variant.bind === undefined ? 'not judged: the variant has no bind() (kvm_gmem_bind())' : null;
}

export const property = (id: PropertyId): Property => PROPERTIES.find((p) => p.id === id)!;

/** How a case the variant did not finish ended, in words that say what happened (not always a throw). */
export function faultText(f: NonNullable<Outcome['fault']>): string {
  const fn = phaseName(f.phase);
  if (f.hang) return `${fn} did not return: ${f.message}`;
  if (f.notRun) return f.message;
  if (/^(Crash|Exit):/.test(f.message)) return `the variant's process died in ${fn}: ${f.message}`;
  if (/^OutOfMemory:/.test(f.message)) return `the variant's process ran out of memory in ${fn}: ${f.message}`;
  if (/^BrokenRuntime:/.test(f.message)) return `${fn} broke the variant's own process: ${f.message}`;
  if (/^MalformedOutput:/.test(f.message)) return `${fn}: ${f.message}`;
  return `${fn} threw: ${f.message}`;
}

/** Judged once for the whole case, not per view: a WARN is the kernel's, and a bind request is of no view but the first. */
const WHOLE_CASE: readonly PropertyId[] = ['no-warn', 'bind-within-file'];

/** The violations of one property; a variant that did not finish the case violates every property. */
export function violations(p: Property, o: Outcome): string[] {
  if (o.fault) return [faultText(o.fault)];
  if (!o.layout.otherViews?.length) return p.check(o);
  const views = viewOutcomes(o);
  if (views.length === 1 || WHOLE_CASE.includes(p.id)) return p.check(o);
  const out: string[] = [];
  for (const { view, outcome } of views) for (const v of p.check(outcome)) out.push(`view ${view}: ${v}`);
  return out;
}
