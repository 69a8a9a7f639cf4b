// The kernel a TypeScript variant receives in its child process, logging each call it makes in
// the same line format as the C driver (native/driver.c). The command replays the log through
// its own model (properties/isolation/log.ts), so the events judged never come from the
// variant's process, whatever that process did to its own copy of the model. In a file with
// several views, a line "view N" comes before the first call made on another view's VM or bindings.

import { Kernel, Machine } from '../../model/kernel';
import { KvmGfnRange } from '../../model/kvm';

/** Where the calls are logged: the child's own log, which a variant's changes to Array cannot reach. */
export interface CallLog {
  push(line: string): void;
}

export function loggedKernel(m: Machine, log: CallLog): Machine {
  const viewOf = new Map<unknown, number>();
  m.recorders.forEach((_, i) => { const g = m.kernelFor(i).gmem; viewOf.set(g.kvm, i); viewOf.set(g.bindings, i); });
  let current = 0;
  /** The view a handle names; an unknown handle is left to the kernel to refuse. */
  const on = (handle: unknown) => {
    const v = viewOf.get(handle);
    if (v !== undefined && v !== current) { current = v; log.push(`view ${v}`); }
  };
  const wrap = (k: Kernel): Kernel => {
    const unmap = (op: string, f: (kvm: Kernel['kvm'], r: KvmGfnRange) => boolean) => (kvm: Kernel['kvm'], range: KvmGfnRange) => {
      const hit = f(kvm, range);
      on(kvm);
      log.push(`${op} ${range.slot.id} ${range.start} ${range.end} ${hit ? 1 : 0} ${range.attr_filter ?? 0}`);
      return hit;
    };
    const call = <A extends [Kernel['kvm'], ...unknown[]]>(line: string | ((...a: A) => string), f: (...a: A) => void) => (...a: A) => {
      f(...a);
      on(a[0]);
      log.push(typeof line === 'string' ? line : line(...a));
    };
    return Object.freeze({
      ...k,
      xa_for_each_range(xa: Parameters<Kernel['xa_for_each_range']>[0], start: bigint, last: bigint) {
        const visits = k.xa_for_each_range(xa, start, last);
        on(xa);
        log.push(`walk ${start} ${last}`);
        return visits;
      },
      xa_find(xa: Parameters<Kernel['xa_find']>[0], index: bigint, max: bigint, filter: Parameters<Kernel['xa_find']>[3]) {
        const hit = k.xa_find(xa, index, max, filter);
        on(xa);
        log.push(`find ${index} ${max} ${hit ? 1 : 0}`);
        return hit;
      },
      xa_store_range(xa: Parameters<Kernel['xa_store_range']>[0], first: bigint, last: bigint, entry: Parameters<Kernel['xa_store_range']>[3]) {
        k.xa_store_range(xa, first, last, entry);
        on(xa);
        log.push(`store ${first} ${last} ${entry.id}`);
      },
      KVM_MMU_LOCK: call('lock', k.KVM_MMU_LOCK),
      KVM_MMU_UNLOCK: call('unlock', k.KVM_MMU_UNLOCK),
      kvm_mmu_invalidate_begin: call('inv_begin', k.kvm_mmu_invalidate_begin),
      kvm_mmu_invalidate_end: call('inv_end', k.kvm_mmu_invalidate_end),
      kvm_mmu_invalidate_range_add: call((_kvm, start: bigint, end: bigint) => `range_add ${start} ${end}`, k.kvm_mmu_invalidate_range_add),
      kvm_mmu_unmap_gfn_range: unmap('mmu_unmap', k.kvm_mmu_unmap_gfn_range),
      kvm_unmap_gfn_range: unmap('unmap', k.kvm_unmap_gfn_range),
      kvm_flush_remote_tlbs: call('flush', k.kvm_flush_remote_tlbs),
      WARN_ON_ONCE(cond: boolean) {
        const fired = k.WARN_ON_ONCE(cond);
        if (fired) log.push('warn');
        return fired;
      },
    });
  };
  const kernels = m.recorders.map((_, i) => wrap(m.kernelFor(i)));
  return { ...m, kernel: kernels[0], kernelFor: (v) => kernels[v] ?? m.kernelFor(v) };
}
