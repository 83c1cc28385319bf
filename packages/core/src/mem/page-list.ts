import type { PageFrames } from './page-frames';

/** Link value of a frame that is on no list (include/linux/poison.h: LIST_POISON1). */
export const LIST_POISON = 0x7fffffff;

/**
 * Intrusive circular doubly-linked lists of page frames (include/linux/list.h over page->lru),
 * allocation-free: a frame's links live in {@link PageFrames.next}/{@link PageFrames.prev}, and a
 * list head is a node of its own with a negative id (-1 - slot) whose links live here.
 *
 * A frame is on at most one list at a time, as in the kernel where buddy_list, pcp_list and lru
 * share storage. Callers keep their own counts (free_area.nr_free, lru sizes).
 */
export class PageLists {
  private headNext: Int32Array;
  private headPrev: Int32Array;
  private nrHeads = 0;
  private readonly freeHeads: number[] = [];
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  constructor(frames: PageFrames, initialHeads = 1024) {
    this.next = frames.next;
    this.prev = frames.prev;
    this.next.fill(LIST_POISON);
    this.prev.fill(LIST_POISON);
    this.headNext = new Int32Array(initialHeads);
    this.headPrev = new Int32Array(initialHeads);
  }

  /** Creates an empty list and returns its head id (always negative). */
  newHead(): number {
    const reused = this.freeHeads.pop();
    if (reused !== undefined) return reused;
    if (this.nrHeads === this.headNext.length) this.grow();
    const id = -1 - this.nrHeads++;
    this.setNext(id, id);
    this.setPrev(id, id);
    return id;
  }

  /** Gives back the head of an empty temporary list for reuse by newHead(). */
  releaseHead(head: number): void {
    if (!this.isEmpty(head)) throw new Error(`list head ${head} released while not empty`);
    this.freeHeads.push(head);
  }

  getNext(node: number): number {
    return node >= 0 ? this.next[node] : this.headNext[-1 - node];
  }

  getPrev(node: number): number {
    return node >= 0 ? this.prev[node] : this.headPrev[-1 - node];
  }

  isEmpty(head: number): boolean {
    return this.headNext[-1 - head] === head;
  }

  /** First entry, or the head itself when the list is empty (list_first_entry_or_null). */
  first(head: number): number {
    return this.headNext[-1 - head];
  }

  last(head: number): number {
    return this.headPrev[-1 - head];
  }

  /** Whether the frame is linked on some list. */
  isLinked(pfn: number): boolean {
    return this.next[pfn] !== LIST_POISON;
  }

  /** list_add: insert right after the head. */
  add(pfn: number, head: number): void {
    this.insertBetween(pfn, head, this.getNext(head));
  }

  /** list_add_tail: insert right before the head. */
  addTail(pfn: number, head: number): void {
    this.insertBetween(pfn, this.getPrev(head), head);
  }

  /** list_del: unlink and poison. */
  del(pfn: number): void {
    const prev = this.prev[pfn];
    const next = this.next[pfn];
    this.setNext(prev, next);
    this.setPrev(next, prev);
    this.next[pfn] = LIST_POISON;
    this.prev[pfn] = LIST_POISON;
  }

  /** list_move: delete from its list and add after head. */
  move(pfn: number, head: number): void {
    this.del(pfn);
    this.add(pfn, head);
  }

  /** list_move_tail */
  moveTail(pfn: number, head: number): void {
    this.del(pfn);
    this.addTail(pfn, head);
  }

  /** list_splice_tail_init: move every entry of `from` before `to`'s head; `from` becomes empty. */
  spliceTail(from: number, to: number): void {
    if (this.isEmpty(from)) return;
    const first = this.first(from);
    const last = this.last(from);
    const toLast = this.getPrev(to);
    this.setNext(toLast, first);
    this.setPrev(first, toLast);
    this.setNext(last, to);
    this.setPrev(to, last);
    this.setNext(from, from);
    this.setPrev(from, from);
  }

  /** list_splice_init: move every entry of `from` after `to`'s head; `from` becomes empty. */
  splice(from: number, to: number): void {
    if (this.isEmpty(from)) return;
    const first = this.first(from);
    const last = this.last(from);
    const toFirst = this.getNext(to);
    this.setNext(to, first);
    this.setPrev(first, to);
    this.setNext(last, toFirst);
    this.setPrev(toFirst, last);
    this.setNext(from, from);
    this.setPrev(from, from);
  }

  /**
   * list_cut_before: move the entries of `head` before `entry` (exclusive) to the empty list
   * `into`. With `entry === head` everything moves.
   */
  cutBefore(into: number, head: number, entry: number): void {
    if (this.first(head) === entry) return;
    const first = this.first(head);
    const last = this.getPrev(entry);
    this.setNext(head, entry);
    this.setPrev(entry, head);
    this.setNext(into, first);
    this.setPrev(first, into);
    this.setNext(last, into);
    this.setPrev(into, last);
  }

  /** list_is_singular */
  isSingular(head: number): boolean {
    return !this.isEmpty(head) && this.first(head) === this.last(head);
  }

  /** Entries in list order. Allocates: for tests, views and error paths, not for hot loops. */
  toArray(head: number): number[] {
    const out: number[] = [];
    for (let n = this.first(head); n !== head; n = this.getNext(n)) out.push(n);
    return out;
  }

  /** Number of entries, by walking. O(n); hot paths keep their own counts. */
  length(head: number): number {
    let n = 0;
    for (let i = this.first(head); i !== head; i = this.getNext(i)) n++;
    return n;
  }

  private insertBetween(pfn: number, prev: number, next: number): void {
    this.setPrev(next, pfn);
    this.next[pfn] = next;
    this.prev[pfn] = prev;
    this.setNext(prev, pfn);
  }

  private setNext(node: number, value: number): void {
    if (node >= 0) this.next[node] = value;
    else this.headNext[-1 - node] = value;
  }

  private setPrev(node: number, value: number): void {
    if (node >= 0) this.prev[node] = value;
    else this.headPrev[-1 - node] = value;
  }

  private grow(): void {
    const n = this.headNext.length * 2;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    next.set(this.headNext);
    prev.set(this.headPrev);
    this.headNext = next;
    this.headPrev = prev;
  }
}
