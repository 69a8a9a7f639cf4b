// The VM a layout's memslots belong to, as far as an unmap cares: whether it has mirrored TDP,
// and so which TDP MMU roots map its guest_memfd memory and which roots an unmap's attribute
// filter selects (KERNEL-FACTS §6, "The attribute filter").

/** KVM_CREATE_VM's type: 'tdx' stands for any VM with mirrored TDP (KVM_X86_TDX_VM); 'default' for every other. */
export type VmType = 'default' | 'tdx';
export const VM_TYPES: readonly VmType[] = ['default', 'tdx'];

/** include/linux/kvm_host.h, enum kvm_gfn_range_filter (6.14 on). */
export const KVM_FILTER_SHARED = 1;
export const KVM_FILTER_PRIVATE = 2;

/** The TDP MMU roots (arch/x86/kvm/mmu/tdp_mmu.h, enum kvm_tdp_mmu_root_types). */
export type Root = 'direct' | 'mirror';

/** The VM types a variant runs in, in VM_TYPES order: a default VM only when it declares none (Variant.vmTypes). */
export const runsIn = (declared?: readonly VmType[]): VmType[] => VM_TYPES.filter((t) => (declared ?? ['default']).includes(t));

/** kvm_has_mirrored_tdp(). */
export const hasMirroredTdp = (vm: VmType): boolean => vm === 'tdx';

/**
 * Where the VM maps guest_memfd memory. A TDX VM maps private memory in its mirror roots; it
 * cannot create an INIT_SHARED file and this model has no conversion, so all of its guest_memfd
 * memory is private. Every other VM maps it in its direct roots, private or shared.
 */
export const memoryRoot = (vm: VmType): Root => (hasMirroredTdp(vm) ? 'mirror' : 'direct');

/**
 * kvm_gfn_range_filter_to_root_types(): a VM without mirrored TDP zaps its direct roots whatever
 * the filter; one with mirrored TDP zaps its mirror roots for PRIVATE and its direct roots for
 * SHARED. `empty` is its WARN_ON_ONCE(!ret): a mirrored-TDP VM given neither bit.
 */
const DIRECT_ONLY = Object.freeze({ roots: Object.freeze(['direct'] as Root[]), empty: false });

export function filterToRoots(vm: VmType, filter: number): { readonly roots: readonly Root[]; readonly empty: boolean } {
  // every unmap of every case passes here: the common answer is one shared object
  if (!hasMirroredTdp(vm)) return DIRECT_ONLY;
  const roots: Root[] = [];
  if (filter & KVM_FILTER_PRIVATE) roots.push('mirror');
  if (filter & KVM_FILTER_SHARED) roots.push('direct');
  return { roots, empty: roots.length === 0 };
}
