// The userspace steps that reach a counterexample, as a ready-to-adapt KVM selftest in C
// (tools/testing/selftests/kvm style: vm_create_guest_memfd, vm_mem_add, fallocate).

import { PAGE_SHIFT } from '../../model/layout';
import { normalize, show, subtract } from '../../model/ranges';
import { modeName } from '../format';
import { Outcome } from '../engine/execute';

const hex = (x: bigint) => `0x${x.toString(16)}ul`;

export function selftestSnippet(o: Outcome, title: string, fnName: string): string {
  const c = o.case;
  const lines: string[] = [];
  lines.push(`/* ${title} */`);
  lines.push('#define _GNU_SOURCE /* fallocate() */');
  lines.push('#include <fcntl.h>');
  lines.push('#include <linux/falloc.h>');
  lines.push('#include <unistd.h>');
  lines.push('#include "kvm_util.h"');
  lines.push('#include "test_util.h"');
  lines.push('');
  lines.push(`static void ${fnName}(void)`);
  lines.push('{');
  if (c.layout.vmType === 'tdx') {
    lines.push('\t/* a TDX VM (its guest_memfd memory private, in mirror roots): a sketch, the selftests need their TDX set-up around it */');
    lines.push('\tstruct kvm_vm *vm = vm_create_barebones_type(KVM_X86_TDX_VM);');
  } else {
    lines.push('\t/* 6.8 selftests spell this vm_create_barebones_protected_vm() */');
    lines.push('\tstruct kvm_vm *vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);');
  }
  lines.push(`\tint fd = vm_create_guest_memfd(vm, ${hex(c.layout.filePages << PAGE_SHIFT)}, 0);`);
  lines.push('\tint ret;');
  lines.push('');
  for (const s of c.layout.slots) {
    lines.push(`\t/* slot ${s.id}: file pages [${s.pgoff}, ${s.pgoff + s.npages}) back gfns [${s.base_gfn}, ${s.base_gfn + s.npages}) */`);
    lines.push(`\tvm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, ${hex(s.base_gfn << PAGE_SHIFT)}, ${s.id}, ${hex(s.npages)},`);
    lines.push(`\t\t   KVM_MEM_GUEST_MEMFD, fd, ${hex(s.pgoff << PAGE_SHIFT)});`);
  }
  lines.push('');
  const op = c.op;
  if (op.kind === 'punch') {
    lines.push(`\tret = fallocate(fd, ${modeName(op.mode).replace(/\|/g, ' | ')}, ${op.offset}l, ${op.len}l);`);
    lines.push('\tTEST_ASSERT(!ret, "fallocate() failed, errno = %d", errno);');
  } else if (op.kind === 'release') {
    lines.push('\t/* release: drop the last reference to the file (the memslots do not hold one) */');
    lines.push('\tclose(fd);');
    lines.push('\tret = 0;');
  } else {
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
  lines.push(`\t/* Must be unmapped now: ${go.join(', ') || 'nothing'}: a guest read there faults`);
  lines.push('\t * back in a fresh (zeroed) page, not the data written before the operation.');
  lines.push(`\t * Must stay mapped, with their data: ${stay.join(', ') || 'nothing'}. */`);
  lines.push('\t(void)ret;');
  lines.push('\tkvm_vm_free(vm);');
  lines.push('}');
  return lines.join('\n');
}
