import { ContractViolation } from '../errors';
import { PG } from '../mem/page-flags';
import { NodeStat } from '../stat/vmstat-items';
import type { VmEnv } from './env';

/** include/linux/mm.h: GUP_PIN_COUNTING_BIAS — what one FOLL_PIN adds to a small folio's refcount. */
export const GUP_PIN_COUNTING_BIAS = 1024;

const HEAD = 1 << PG.head;

/**
 * FOLL_GET / FOLL_PIN reference accounting (mm/gup.c: try_grab_folio, gup_put_folio;
 * include/linux/mm.h: folio_maybe_dma_pinned). A FOLL_GET is one folio reference. A FOLL_PIN on
 * a small folio adds GUP_PIN_COUNTING_BIAS to its refcount; on a large folio it adds one
 * reference per page and counts the page in folio->_pincount (kept here, keyed by head pfn —
 * the kernel keeps it in the first tail page, whose slots mmsim already uses for the entire and
 * first-tail mapcounts). Pins are counted in NR_FOLL_PIN_ACQUIRED / NR_FOLL_PIN_RELEASED of the
 * folio's node. The zero pages are never pinned (v6.5+: "mm: Don't pin ZERO_PAGE").
 */
export class PinAccounting {
  private readonly pincounts = new Map<number, number>();

  constructor(private readonly env: VmEnv) {}

  private large(head: number): boolean {
    return (this.env.frames.flags[head] & HEAD) !== 0;
  }

  /**
   * mm/gup.c: try_grab_folio(): take `refs` references (FOLL_GET) or pins (FOLL_PIN) on the
   * folio of pfn. False if the folio has no reference left (it is being freed).
   */
  grab(pfn: number, refs: number, pin: boolean): boolean {
    const env = this.env;
    const f = env.frames;
    const head = f.compoundHead(pfn);
    if (f.refcount[head] <= 0) return false;
    if (pin && env.isZeroPfn(pfn)) return true;
    if (!pin) {
      f.refcount[head] += refs;
      return true;
    }
    if (this.large(head)) {
      f.refcount[head] += refs;
      this.pincounts.set(head, (this.pincounts.get(head) ?? 0) + refs);
    } else {
      f.refcount[head] += refs * GUP_PIN_COUNTING_BIAS;
    }
    env.modNode(head, NodeStat.NR_FOLL_PIN_ACQUIRED, refs);
    return true;
  }

  /** mm/gup.c: gup_put_folio(): drop what {@link grab} took; the last reference frees the folio. */
  put(pfn: number, refs: number, pin: boolean): void {
    const env = this.env;
    const f = env.frames;
    const head = f.compoundHead(pfn);
    if (pin && env.isZeroPfn(pfn)) return;
    let drop = refs;
    if (pin) {
      if (this.large(head)) {
        const left = (this.pincounts.get(head) ?? 0) - refs;
        if (left < 0) throw new ContractViolation('GUP-PIN', 'unpin_user_page() of a large folio that is not pinned (pincount underflow)', { pfn, flags: f.flags[pfn], refcount: f.refcount[head] });
        if (left === 0) this.pincounts.delete(head);
        else this.pincounts.set(head, left);
      } else {
        if (f.refcount[head] < GUP_PIN_COUNTING_BIAS * refs) throw new ContractViolation('GUP-PIN', 'unpin_user_page() of a page that is not pinned (refcount below GUP_PIN_COUNTING_BIAS)', { pfn, flags: f.flags[pfn], refcount: f.refcount[head] });
        drop = refs * GUP_PIN_COUNTING_BIAS;
      }
      env.modNode(head, NodeStat.NR_FOLL_PIN_RELEASED, refs);
    } else if (f.refcount[head] < refs) {
      throw new ContractViolation('PG5', 'put_page() on a page with no references: double free or refcount underflow', { pfn, flags: f.flags[pfn], refcount: f.refcount[head] });
    }
    // folio_put_refs(): all but the last reference go at once, the last one frees.
    f.refcount[head] -= drop - 1;
    env.putFolio(head);
  }

  /** include/linux/mm.h: folio_maybe_dma_pinned() */
  maybeDmaPinned(pfn: number): boolean {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    if (this.large(head)) return (this.pincounts.get(head) ?? 0) > 0;
    return f.refcount[head] >= GUP_PIN_COUNTING_BIAS;
  }

  /** folio_pincount of a large folio (0 for small folios, whose pins live in the refcount). */
  pincount(pfn: number): number {
    return this.pincounts.get(this.env.frames.compoundHead(pfn)) ?? 0;
  }
}
