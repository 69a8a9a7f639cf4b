// The wire format to native/driver.c and back. A request carries a case's slots, its range and
// the model's walk of [start, end - 1] and xa_find answer (model/xarray.ts), so C iterates
// exactly as a TypeScript variant would. A reply, the driver's log of KVM calls, is replayed
// through the model's own kernel (model/kernel.ts over model/kvm.ts): KVM's WARNs, the walks
// and the events come from the one TypeScript implementation, never from C.

import { WalkRecord, XA_PRESENT, makeKernel } from '../model/kernel';
import { KvmEvent, KvmMemorySlot, Phase } from '../model/kvm';
import { Layout } from '../model/layout';
import { WORD64 } from '../model/word';
import { XarrayMode, walk, xaFind } from '../model/xarray';
import { Reply } from './sync-child';

/** The harness itself is wrong (C and the model disagree, or the driver rejected a request). */
export class NativeHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeHarnessError';
  }
}

export function requestLine(seq: number, layout: Layout, start: bigint, end: bigint, mode: XarrayMode): string {
  const last = WORD64.ul(end - 1n);
  const parts: Array<string | number | bigint> = ['case', seq, start, end, layout.slots.length];
  for (const s of layout.slots) parts.push(s.id, s.base_gfn, s.npages, s.pgoff);
  const visits = walk(layout, start, last, mode);
  parts.push(visits.length);
  for (const v of visits) parts.push(v.index, v.slot.id);
  const hit = xaFind(layout, start, last, mode);
  if (hit) parts.push(1, hit.index, hit.slot.id);
  else parts.push(0);
  return parts.join(' ');
}

export interface Replayed {
  readonly events: readonly KvmEvent[];
  readonly walks: readonly WalkRecord[];
  readonly fault?: { readonly phase: Phase; readonly message: string };
}

class Malformed extends Error {}

const SIGNALS: Record<string, string> = {
  SIGSEGV: 'invalid memory reference', SIGBUS: 'bus error', SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic exception', SIGABRT: 'abort', SIGTRAP: 'trap', SIGSYS: 'bad system call',
  SIGKILL: 'killed',
};

const u64 = (s: string | undefined): bigint => {
  if (s === undefined || !/^\d{1,20}$/.test(s)) throw new Malformed(`"${s ?? ''}" is not a number`);
  const x = BigInt(s);
  if (!WORD64.fits(x)) throw new Malformed(`${s} does not fit in 64 bits`);
  return x;
};

const flag = (s: string | undefined): boolean => {
  if (s !== '0' && s !== '1') throw new Malformed(`"${s ?? ''}" is not 0 or 1`);
  return s === '1';
};

/** Replays the driver's log of one case through a fresh model kernel. */
export function replay(layout: Layout, mode: XarrayMode, reply: Reply, binary: string): Replayed {
  const { kernel: k, recorder, walks } = makeKernel(layout, WORD64, mode);
  const slots = new Map<number, KvmMemorySlot>(layout.slots.map((s) => [
    s.id, { id: s.id, base_gfn: s.base_gfn, npages: s.npages, gmem: { pgoff: s.pgoff, index: s.pgoff } },
  ]));
  let fault: Replayed['fault'];
  const end = (message: string, hang = false) => { fault ??= { phase: recorder.phase, message, ...(hang ? { hang } : {}) }; };
  const disagree = (what: string, c: boolean, ts: boolean) => {
    throw new NativeHarnessError(`${binary}: ${what} returned ${c} in C but ${ts} in the model's replay`);
  };

  reply.lines.forEach((line, i) => {
    if (fault) return;
    const [op, ...a] = line.split(' ');
    try {
      if (i === 0 && line !== 'phase begin') throw new Malformed('the reply does not start with "phase begin"');
      switch (op) {
        case 'phase':
          if (a[0] !== 'begin' && a[0] !== 'end') throw new Malformed(`unknown phase "${a[0]}"`);
          recorder.phase = a[0];
          break;
        case 'lock': k.KVM_MMU_LOCK(k.kvm); break;
        case 'unlock': k.KVM_MMU_UNLOCK(k.kvm); break;
        case 'inv_begin': k.kvm_mmu_invalidate_begin(k.kvm); break;
        case 'inv_end': k.kvm_mmu_invalidate_end(k.kvm); break;
        case 'flush': k.kvm_flush_remote_tlbs(k.kvm); break;
        case 'range_add': k.kvm_mmu_invalidate_range_add(k.kvm, u64(a[0]), u64(a[1])); break;
        case 'mmu_unmap':
        case 'unmap': {
          const slot = slots.get(Number(u64(a[0])));
          if (!slot) throw new Malformed(`slot ${a[0]} is not bound`);
          const range = { start: u64(a[1]), end: u64(a[2]), slot, may_block: true, attr_filter: Number(u64(a[4])) };
          const c = flag(a[3]);
          const ts = op === 'mmu_unmap' ? k.kvm_mmu_unmap_gfn_range(k.kvm, range) : k.kvm_unmap_gfn_range(k.kvm, range);
          if (c !== ts) disagree(op === 'mmu_unmap' ? 'kvm_mmu_unmap_gfn_range' : 'kvm_unmap_gfn_range', c, ts);
          break;
        }
        case 'warn': k.WARN_ON_ONCE(true); break;
        case 'walk': k.xa_for_each_range(k.gmem.bindings, u64(a[0]), u64(a[1])); break;
        case 'find': {
          const ts = k.xa_find(k.gmem.bindings, u64(a[0]), u64(a[1]), XA_PRESENT) !== null;
          const c = flag(a[2]);
          if (c !== ts) disagree('xa_find', c, ts);
          break;
        }
        case 'fault':
          if (a[0] !== 'begin' && a[0] !== 'end') throw new Malformed(`unknown phase "${a[0]}"`);
          fault = { phase: a[0], message: `VariantFault: ${a.slice(1).join(' ')}` };
          break;
        default:
          throw new Malformed(`unknown record "${op}"`);
      }
    } catch (e) {
      if (!(e instanceof Malformed)) throw e;
      end(`MalformedOutput: line ${i + 1} of the C program's log, "${line.slice(0, 120)}": ${e.message}`);
    }
  });

  switch (reply.kind) {
    case 'ok':
      if (reply.lines.length === 0) end('MalformedOutput: the C program wrote nothing for the case');
      break;
    case 'signal':
      end(`Crash: the C program was killed by ${reply.signal} (${SIGNALS[reply.signal] ?? 'signal'}); it was restarted`);
      break;
    case 'hang':
      end(`Hang: no answer within ${reply.ms} ms; the C program was killed and restarted`, true);
      break;
    case 'exit':
      if (reply.code === 3) throw new NativeHarnessError(`${binary} rejected a request (see its stderr)`);
      end(`Exit: the C program exited with status ${reply.code} in the middle of the case; it was restarted`);
      break;
    case 'malformed':
      end(`MalformedOutput: ${reply.why}; the C program was restarted`);
      break;
    case 'spawn-error':
      throw new NativeHarnessError(`cannot run ${binary}: ${reply.message}`);
  }
  return { events: recorder.events, walks, fault };
}
