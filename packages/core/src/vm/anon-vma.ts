import { ContractViolation } from '../errors';
import * as mappingModule from '../mem/mapping';
import type { MappingRegistry } from '../mem/mapping-registry';
import type { VmArea } from './vma';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_MAPPING_ANON } = mappingModule;

/**
 * include/linux/rmap.h: struct anon_vma. Registered in the mapping registry so an anonymous
 * page's mapping word is `word(id, PAGE_MAPPING_ANON)`. `vmas` stands for the anon_vma's
 * rb_root of anon_vma_chains: every VMA that may map pages of this anon_vma, in the order they
 * were linked (oldest first — rmap walks rely on it, see seed 000's mlock rule).
 */
export class AnonVma {
  readonly vmas: VmArea[] = [];
  /** anon_vma->refcount: one per anon_vma_chain link, plus folio_get_anon_vma() holders. */
  refcount = 0;
  /** Registry id and the page->mapping word of this anon_vma's pages. */
  id = 0;
  word = 0;

  constructor(readonly root: AnonVma | null, readonly parent: AnonVma | null) {}
}

/** mm/rmap.c: anon_vma lifetime and the anon_vma_chain links of VMAs. */
export class AnonVmas {
  constructor(private readonly registry: MappingRegistry) {}

  private create(parent: AnonVma | null): AnonVma {
    const av = new AnonVma(parent ? (parent.root ?? parent) : null, parent);
    av.id = this.registry.register(av);
    av.word = this.registry.word(av.id, PAGE_MAPPING_ANON);
    return av;
  }

  /** mm/rmap.c: __anon_vma_prepare(): give a VMA its anon_vma before the first anon page. */
  prepare(vma: VmArea): AnonVma {
    if (vma.anonVma) return vma.anonVma;
    const av = this.create(null);
    this.link(vma, av);
    vma.anonVma = av;
    return av;
  }

  /** anon_vma_chain_link() */
  link(vma: VmArea, av: AnonVma): void {
    vma.anonChain.push(av);
    av.vmas.push(vma);
    av.refcount++;
  }

  /**
   * mm/rmap.c: anon_vma_clone(): dst (a split part, or a moved VMA) maps the same pages as src,
   * so it joins every anon_vma of src's chain.
   */
  clone(dst: VmArea, src: VmArea): void {
    for (const av of src.anonChain) {
      dst.anonChain.push(av);
      av.vmas.push(dst);
      av.refcount++;
    }
    dst.anonVma = src.anonVma;
  }

  /**
   * mm/rmap.c: anon_vma_fork(): the child VMA joins the parent's anon_vmas (it maps the parent's
   * pages copy-on-write) and gets a new anon_vma of its own, child of the parent's, for the
   * pages it COWs.
   */
  fork(child: VmArea, parent: VmArea): void {
    if (!parent.anonVma) return;
    this.clone(child, parent);
    const av = this.create(parent.anonVma);
    child.anonVma = av;
    this.link(child, av);
  }

  /** mm/rmap.c: unlink_anon_vmas(): the VMA leaves every anon_vma; unused ones are freed. */
  unlink(vma: VmArea): void {
    for (const av of vma.anonChain) {
      const i = av.vmas.indexOf(vma);
      if (i >= 0) av.vmas.splice(i, 1);
      this.put(av);
    }
    vma.anonChain.length = 0;
    vma.anonVma = null;
  }

  /** mm/rmap.c: folio_get_anon_vma() on an anon_vma already found: take a reference. */
  get(av: AnonVma): AnonVma {
    if (av.refcount <= 0) throw new ContractViolation('VM-ANON', `anon_vma ${av.id} used after it was freed`, undefined);
    av.refcount++;
    return av;
  }

  /** mm/rmap.c: put_anon_vma(): the last reference unregisters it. */
  put(av: AnonVma): void {
    if (av.refcount <= 0) throw new ContractViolation('VM-ANON', `put_anon_vma() on anon_vma ${av.id} with no reference left`, undefined);
    if (--av.refcount === 0) this.registry.unregister(av.id);
  }
}
