// A case on one line for the results tables: each binding as file [pgoff, end) @ base_gfn, each
// other view's after "| view N:", then the caller as the invalidated range, and "TDX VM" where a
// view is one. Large numbers are printed in hex.

import { PAGE_SHIFT } from '../model/layout';
import { Case } from '../properties/case';
import { caseSize } from '../properties/engine/exhaustive';

const num = (x: bigint): string => (x < 0x10000n ? String(x) : `0x${x.toString(16)}`);

const bindings = (ss: Case['layout']['slots']) => ss.map((s) => `[${num(s.pgoff)}, ${num(s.pgoff + s.npages)})@${num(s.base_gfn)}`).join(' ') || 'no slots';

export function caseText(c: Case): string {
  const others = c.layout.otherViews ?? [];
  const slots = [bindings(c.layout.slots), ...others.map((v, i) => `| view ${i + 1}${v.vmType === 'tdx' ? ' (TDX VM)' : ''}: ${bindings(v.slots)}`)].join(' ');
  let op: string;
  switch (c.op.kind) {
    case 'punch': {
      const aligned = c.op.offset % (1n << PAGE_SHIFT) === 0n && c.op.len % (1n << PAGE_SHIFT) === 0n;
      op = aligned && c.op.mode === 3 && c.op.offset >= 0n && c.op.len > 0n
        ? `punch [${num(c.op.offset >> PAGE_SHIFT)}, ${num((c.op.offset + c.op.len) >> PAGE_SHIFT)})`
        : `fallocate(mode ${c.op.mode}, offset ${num(c.op.offset)}, len ${num(c.op.len)})`;
      break;
    }
    case 'release': op = c.op.view ? `release of view ${c.op.view}` : 'release'; break;
    case 'memory-failure': op = `folio [${num(c.op.index)}, ${num(c.op.index + (1n << BigInt(c.op.order)))})`; break;
    case 'convert': op = `convert [${num(c.op.offset >> PAGE_SHIFT)}, ${num((c.op.offset + c.op.size) >> PAGE_SHIFT)}) to ${c.op.toPrivate ? 'private' : 'shared'}`; break;
    case 'bind': op = `bind slot ${c.op.slot}: ${num(c.op.memory_size >> PAGE_SHIFT)} pages at offset ${num(c.op.guest_memfd_offset)}`; break;
  }
  return `${slots}; ${op}${c.layout.vmType === 'tdx' ? ' (TDX VM)' : ''}${c.layout.pageOrder ? ` (page order ${c.layout.pageOrder})` : ''}`;
}

/** caseSize as text: slots / pages bound / pages invalidated / highest index touched. */
export function sizeText(c: Case): string {
  const [slots, pages, length, span] = caseSize(c);
  return `${slots}/${num(pages)}/${num(length)}/${num(span)}`;
}
