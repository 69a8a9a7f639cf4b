// The parts of a report page that are a bind request's: the request beside the file and its
// bindings, what the variant's kvm_gmem_bind() answered against what the era's kernel answers
// and what it must answer, what that means in the kernel, the userspace step and a selftest.

import { BindRequest } from '../../model/callers';
import { PAGE_SHIFT } from '../../model/layout';
import { decHex } from '../../model/word';
import { BindAnswer, Outcome } from '../engine/execute';
import { returnText } from '../../model/errno';
import { answerText } from '../format';

const cell = (x: bigint) => `${x} | 0x${x.toString(16)}`;
const hex = (x: bigint) => `0x${x.toString(16)}ul`;
const pages = (n: bigint) => `${n} page${n === 1n ? '' : 's'}`;

/** A bind outcome's request and answer; undefined for any other outcome. */
export function bindOf(o: Outcome): { readonly r: BindRequest; readonly b?: BindAnswer } | undefined {
  return o.resolved.kind === 'bind' ? { r: o.resolved, ...(o.bound ? { b: o.bound } : {}) } : undefined;
}

/** The era as the page says it: when it was the kernel's, and what it means for kvm_gmem_bind(). */
export const eraText = (r: BindRequest): string => r.era === '6.8'
  ? '6.8 to 7.1 (kvm_gmem_bind() takes the offset and the size as loff_t; a second binding of a range is -EINVAL)'
  : '7.2 on ("KVM guest_memfd changes for 7.2", merge 06ba195f136a: the offset and size are unsigned; a second binding of a range is -EEXIST)';

/** The case table's rows for the request. */
export function bindRows(r: BindRequest): string[] {
  return [
    `| i_size (bytes) | ${cell(r.i_size)} |`,
    `| request: slot | ${r.slot.id} | |`,
    `| request: guest_phys_addr | ${cell(r.slot.base_gfn << PAGE_SHIFT)} |`,
    `| request: memory_size (${pages(r.slot.npages)}) | ${cell(r.slot.npages << PAGE_SHIFT)} |`,
    `| request: guest_memfd_offset | ${cell(r.offset)} |`,
    `| asked: file pages start (offset >> 12) | ${cell(r.slot.pgoff)} |`,
    `| asked: file pages end | ${cell(r.slot.pgoff + r.slot.npages)} |`,
  ];
}

/** What happened, as a table: the variant's answer and stores, the era's kernel's, and the reference's. */
export function bindHappened(r: BindRequest, b: BindAnswer | undefined): string[] {
  const binding = (accepted: boolean) => (accepted ? `file pages [${r.slot.pgoff}, ${r.slot.pgoff + r.slot.npages})` : 'nothing');
  const era = r.era === '6.8' ? 'the 6.8 to 7.1 kernel' : 'the 7.2 kernel';
  return [
    '| kvm_gmem_bind() | answers | binds |',
    '|---|---|---|',
    `| the variant's | ${b ? `${returnText(b.ret)} (slot->gmem.pgoff ${b.pgoff})` : 'no answer'} | ${b?.stores.length ? b.stores.map((s) => `file pages [${s.first}, ${s.last + 1n})`).join(', ') : 'nothing'} |`,
    `| ${era}'s, as the model computes it (model/rules.ts kvmGmemBind) | ${answerText(r.kernel)} | ${binding(r.kernel === null)} |`,
    `| what it must answer (model/rules.ts kvmGmemBindExpected) | ${answerText(r.expected)} | ${binding(r.expected === null)} |`,
  ];
}

/** Two or three sentences of what the failure means on a real host. */
export function bindStory(r: BindRequest, b: BindAnswer | undefined, violations: readonly string[]): string {
  const filePages = r.i_size >> PAGE_SHIFT;
  const first = violations[0] ?? '';
  const past = b?.ret === 0 && b.stores.some((s) => s.last >= filePages);
  if (past) {
    return `kvm_gmem_bind() accepts a binding of ${pages(r.slot.npages)} at guest_memfd_offset ${decHex(r.offset)} of a file of ${pages(filePages)}: ` +
      (r.kernel === null && r.era === '6.8' && r.offset < 1n << 63n
        ? 'offset + size is a signed 64-bit sum (loff_t), which wraps negative past 2^63 - 1 and so passes the "not beyond the file size" check. '
        : 'its check of the range does not hold. ') +
      'The guest can then fault in pages at those file indices, past the end of the file: guest_memfd allocates them in the page cache, charged to the file ' +
      'but outside it, and no punch reaches them (fallocate() ends at file page 2^51 - 1); only the release of the file frees them ' +
      '(findings/bind-offset-overflow.md measures it on a live kernel).';
  }
  if (b?.ret === 0 && r.taken) {
    return `kvm_gmem_bind() binds file pages over slot ${r.taken.id}'s binding (${first}). The bindings xarray holds one slot per index: the new store ` +
      'replaces the old slot there, so an invalidation of those pages unmaps only the new slot\'s gfns and leaves the old slot\'s mapped: a stale mapping ' +
      'of freed memory once the pages are punched.';
  }
  if (b && b.ret < 0 && r.expected === null) {
    return `kvm_gmem_bind() refuses a valid request (${first}): a VMM cannot bind a range that lies inside its guest_memfd and is bound by no other slot.`;
  }
  if (b && b.ret < 0 && r.expected) {
    return `kvm_gmem_bind() refuses the request with another errno than its era's (${first}). Userspace reads the errno to tell a range outside the file ` +
      'from one another memslot binds (the 7.2 selftest checks -EEXIST for a second binding): it is told the wrong one.';
  }
  return `kvm_gmem_bind() answers the request wrongly (${first}).`;
}

/** The userspace step of the request, with what the kernel must answer. */
export function bindStep(r: BindRequest, b: BindAnswer | undefined): string {
  const must = r.expected ? `-${r.expected.errno}` : '0';
  return `\`KVM_SET_USER_MEMORY_REGION2\` slot ${r.slot.id}, flags \`KVM_MEM_GUEST_MEMFD\`: guest_phys_addr ${decHex(r.slot.base_gfn << PAGE_SHIFT)}, ` +
    `memory_size ${decHex(r.slot.npages << PAGE_SHIFT)}, guest_memfd_offset ${decHex(r.offset)}: ` +
    `${b ? `the variant's kvm_gmem_bind() returns ${returnText(b.ret)}; ` : ''}it must return ${must}`;
}

/** The request as a KVM selftest (tools/testing/selftests/kvm style), asserting what kvm_gmem_bind() must answer. */
export function bindSelftest(o: Outcome, r: BindRequest, title: string, fnName: string): string {
  const lines = [
    `/* ${title} */`,
    '#include <errno.h>',
    '#include "kvm_util.h"',
    '#include "test_util.h"',
    '',
    `static void ${fnName}(void)`,
    '{',
    '\tstruct kvm_vm *vm = vm_create_barebones_type(KVM_X86_SW_PROTECTED_VM);',
    `\tint fd = vm_create_guest_memfd(vm, ${hex(r.i_size)}, 0);`,
    '\tint ret;',
    '',
  ];
  for (const s of o.layout.slots) {
    lines.push(`\t/* slot ${s.id}: file pages [${s.pgoff}, ${s.pgoff + s.npages}) back gfns [${s.base_gfn}, ${s.base_gfn + s.npages}) */`);
    lines.push(`\tvm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, ${hex(s.base_gfn << PAGE_SHIFT)}, ${s.id}, ${hex(s.npages)},`);
    lines.push(`\t\t   KVM_MEM_GUEST_MEMFD, fd, ${hex(s.pgoff << PAGE_SHIFT)});`);
  }
  lines.push(`\t/* file pages [${r.slot.pgoff}, ${r.slot.pgoff + r.slot.npages}) of a file of ${pages(r.i_size >> PAGE_SHIFT)} */`);
  lines.push(`\tret = __vm_set_user_memory_region2(vm, ${r.slot.id}, KVM_MEM_GUEST_MEMFD, ${hex(r.slot.base_gfn << PAGE_SHIFT)},`);
  lines.push(`\t\t\t\t\t   ${hex(r.slot.npages << PAGE_SHIFT)}, NULL, fd, ${hex(r.offset)});`);
  if (r.expected) {
    lines.push(`\tTEST_ASSERT(ret == -1 && errno == ${r.expected.errno}, "${r.expected.rule.replace(/"/g, '\'')}: ret %d, errno %d", ret, errno);`);
  } else {
    lines.push('\tTEST_ASSERT(!ret, "a binding inside the file, over no other, must be accepted: errno %d", errno);');
  }
  lines.push('\tkvm_vm_free(vm);', '}');
  return lines.join('\n');
}
