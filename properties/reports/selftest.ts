// The userspace steps that reach a counterexample, as a ready-to-adapt KVM selftest in C
// (tools/testing/selftests/kvm style: vm_create_guest_memfd, vm_mem_add, fallocate; for a
// release, vm_set_user_memory_region2, since vm_mem_add keeps a dup() of the fd; a bind
// request's is properties/reports/bind-page.ts bindSelftest).

import { PAGE_SHIFT } from '../../model/layout';
import { normalize, show, subtract } from '../../model/ranges';
import { modeName } from '../format';
import { Outcome } from '../engine/execute';
import { bindSelftest } from './bind-page';

const hex = (x: bigint) => `0x${x.toString(16)}ul`;

export function selftestSnippet(o: Outcome, title: string, fnName: string): string {
  if (o.resolved.kind === 'bind') return bindSelftest(o, o.resolved, title, fnName);
  const c = o.case;
  const lines: string[] = [];
  lines.push(`/* ${title} */`);
  lines.push('#define _GNU_SOURCE /* fallocate() */');
  lines.push('#include <fcntl.h>');
  lines.push('#include <linux/falloc.h>');
  lines.push('#include <sys/mman.h>');
  lines.push('#include <unistd.h>');
  lines.push('#include "kvm_util.h"');
  lines.push('#include "test_util.h"');
  lines.push('');
  lines.push(`static void ${fnName}(void)`);
  lines.push('{');
  if (c.layout.otherViews?.length) {
    lines.push(`\t/* only view 0 of the case's ${1 + c.layout.otherViews.length} views: a released kernel gives a guest_memfd one view (one VM); */`);
    lines.push('\t/* the others come with the in-flight intra-host migration series, which this sketch cannot assume */');
  }
  if (c.layout.vmType === 'tdx') {
    lines.push('\t/* a TDX VM (its guest_memfd memory private, in mirror roots): a sketch, the selftests need their TDX set-up around it */');
    lines.push('\tstruct kvm_vm *vm = vm_create_barebones_type(KVM_X86_TDX_VM);');
  } else {
    lines.push('\t/* 6.8 selftests spell this vm_create_barebones_protected_vm() */');
    lines.push('\tstruct kvm_vm *vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);');
  }
  if (c.layout.pageOrder) lines.push(`\t/* the HugeTLB series: GUEST_MEMFD_FLAG_HUGETLB with page order ${c.layout.pageOrder}; no released kernel has them */`);
  lines.push(`\tint fd = vm_create_guest_memfd(vm, ${hex(c.layout.filePages << PAGE_SHIFT)}, 0);`);
  lines.push('\tint ret;');
  lines.push('');
  // vm_mem_add() dup()s the fd for each memslot, so closing ours would release nothing: a
  // release binds with the plain ioctl, over a PROT_NONE reservation (no memory behind the hva)
  const release = c.op.kind === 'release';
  if (release) lines.push('\t/* bound with the plain ioctl: vm_mem_add() would dup() fd per memslot, and closing fd would release nothing */');
  for (const s of c.layout.slots) {
    lines.push(`\t/* slot ${s.id}: file pages [${s.pgoff}, ${s.pgoff + s.npages}) back gfns [${s.base_gfn}, ${s.base_gfn + s.npages}) */`);
    if (release) {
      lines.push(`\tvm_set_user_memory_region2(vm, ${s.id}, KVM_MEM_GUEST_MEMFD, ${hex(s.base_gfn << PAGE_SHIFT)}, ${hex(s.npages << PAGE_SHIFT)},`);
      lines.push(`\t\t\t\t   mmap(NULL, ${hex(s.npages << PAGE_SHIFT)}, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),`);
      lines.push(`\t\t\t\t   fd, ${hex(s.pgoff << PAGE_SHIFT)});`);
    } else {
      lines.push(`\tvm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, ${hex(s.base_gfn << PAGE_SHIFT)}, ${s.id}, ${hex(s.npages)},`);
      lines.push(`\t\t   KVM_MEM_GUEST_MEMFD, fd, ${hex(s.pgoff << PAGE_SHIFT)});`);
    }
  }
  lines.push('');
  const op = c.op;
  if (op.kind === 'punch') {
    lines.push(`\tret = fallocate(fd, ${modeName(op.mode).replace(/\|/g, ' | ')}, ${op.offset}l, ${op.len}l);`);
    lines.push('\tTEST_ASSERT(!ret, "fallocate() failed, errno = %d", errno);');
  } else if (op.kind === 'release') {
    lines.push('\t/* release: drop the last reference to the file (a memslot bound with the ioctl holds none) */');
    lines.push('\tclose(fd);');
    lines.push('\tret = 0;');
  } else if (op.kind === 'convert') {
    lines.push(`\t/* KVM_SET_MEMORY_ATTRIBUTES2 on fd: offset ${op.offset}, size ${op.size}, to ${op.toPrivate ? 'private' : 'shared'}`);
    lines.push('\t * (the in-place conversion series; no released kernel has this ioctl on a guest_memfd) */');
    lines.push('\tret = 0;');
  } else if (op.kind === 'memory-failure') {
    lines.push(`\t/* memory failure of the ${1n << BigInt(op.order)}-page folio at file index ${op.index}: inject it with`);
    lines.push('\t * MADV_HWPOISON on a mapping of that folio where the kernel allows mapping guest_memfd. */');
    lines.push('\tret = 0;');
  }
  // what must go and what must stay, per slot: the reference's gfns, and the rest of the slot
  const go: string[] = [], stay: string[] = [];
  for (const s of o.layout.slots) {
    const own = { start: s.base_gfn, end: s.base_gfn + s.npages };
    const gone = normalize(o.expected.filter((e) => e.slot.id === s.id).map((e) => e.gfns));
    for (const g of gone) go.push(`slot ${s.id} gfns ${show(g)}`);
    for (const k of subtract([own], gone)) stay.push(`slot ${s.id} gfns ${show(k)}`);
  }
  // what a guest read of an unmapped gfn then sees, by operation (KERNEL-FACTS §7 for release)
  const after = op.kind === 'punch' ? ['faults', ' * in a fresh (zeroed) page, not the data written before the punch.']
    : op.kind === 'release' ? ['exits', ' * to userspace (KVM_EXIT_MEMORY_FAULT, -EFAULT: the file is gone).']
    : op.kind === 'convert' ? ['faults', ' * again, and is mapped with the pages\' new attributes (shared), not the old private mapping.']
    : ['gets', ' * -EHWPOISON from kvm_gmem_get_pfn(), not the poisoned page.'];
  if (go.length) {
    lines.push(`\t/* Must be unmapped now: ${go.join(', ')}: a guest read there ${after[0]}`);
    lines.push(`\t${after[1]}`);
  } else {
    lines.push('\t/* Must be unmapped now: nothing.');
  }
  lines.push(`\t * Must stay mapped, with their data: ${stay.join(', ') || 'nothing'}. */`);
  lines.push('\t(void)ret;');
  lines.push('\tkvm_vm_free(vm);');
  lines.push('}');
  return lines.join('\n');
}
