import { KernelError } from '../errors';
import * as memConstants from '../mem/constants';
import * as vmConstants from './constants';
import type { TaskWait } from './deps';
import type { VmEnv } from './env';
import type { Fault } from './fault';
import * as hugeMemoryModule from './huge-memory';
import type { MmStruct } from './mm';
import { pmdIndex, pteIndex } from './page-table';
import { EntryKind, KIND_NAMES } from './pte';
import * as pteModule from './pte';

// Imported numeric constants as module-level consts, which V8 folds into the code; an imported
// binding is a load from the exporting module at every use (see page-flags.ts).
const { PAGE_SIZE } = memConstants;
const { PMD_SIZE, VM_READ, VM_WRITE } = vmConstants;
const { VM_FAULT_OK, VM_FAULT_OOM, VM_FAULT_RETRY } = hugeMemoryModule;
const { KIND_MASK, PTE_DIRTY, PTE_WRITE, PTE_YOUNG } = pteModule;

/** What a virtual address maps to, for tests and tools (follow_page without a fault). */
export interface FollowResult {
  /** The pfn mapped or referenced by the entry (present, migration, device), or -1. */
  pfn: number;
  /** Entry kind name: none, present, migration-read, migration-read-exclusive, ... */
  kind: string;
  /** The entry is a huge PMD (THP or PMD migration entry). */
  huge: boolean;
  writable: boolean;
  dirty: boolean;
}

/**
 * User memory access as the CPU does it: a present entry with enough permission is used
 * directly (setting accessed/dirty), anything else takes a page fault first
 * (arch/x86/mm/fault.c → handle_mm_fault). Bytes go through mem.content.
 */
export class Access {
  constructor(private readonly env: VmEnv, private readonly fault: Fault) {}

  /** Throws EFAULT unless every page of [addr, addr+len) is mapped with the permission. */
  checkRange(mm: MmStruct, addr: number, len: number, write: boolean): void {
    if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isSafeInteger(len) || len < 0) {
      throw new KernelError('EINVAL', `address ${addr} and length ${len} must be non-negative integers`);
    }
    for (let a = addr; a < addr + len;) {
      const vma = mm.vmaLookup(a);
      if (!vma) throw new KernelError('EFAULT', `0x${a.toString(16)} is not mapped; mmap it first`);
      if (!(vma.flags & (write ? VM_WRITE : VM_READ))) {
        throw new KernelError('EFAULT', `0x${a.toString(16)} is mapped without ${write ? 'PROT_WRITE' : 'PROT_READ'}; mprotect it first`);
      }
      a = vma.end;
    }
  }

  /** The pfn usable for this access without a fault (present, enough permission), or -1. */
  private lookup(mm: MmStruct, addr: number, write: boolean): number {
    const pmdt = mm.pgtables.pmdTable(addr);
    if (!pmdt) return -1;
    const i = pmdIndex(addr);
    const pb = pmdt.bits[i];
    if ((pb & KIND_MASK) === EntryKind.PRESENT) {
      if (write && !(pb & PTE_WRITE)) return -1;
      pmdt.bits[i] = pb | PTE_YOUNG | (write ? PTE_DIRTY : 0);
      return pmdt.val[i] + Math.floor((addr % PMD_SIZE) / PAGE_SIZE);
    }
    const t = pmdt.ptes[i];
    if (!t) return -1;
    const j = pteIndex(addr);
    const b = t.bits[j];
    if ((b & KIND_MASK) !== EntryKind.PRESENT || (write && !(b & PTE_WRITE))) return -1;
    t.bits[j] = b | PTE_YOUNG | (write ? PTE_DIRTY : 0);
    return t.val[j];
  }

  /** Faults until addr is accessible; outside a task a migration entry gives EAGAIN. */
  resolve(mm: MmStruct, addr: number, write: boolean): number {
    for (;;) {
      const pfn = this.lookup(mm, addr, write);
      if (pfn >= 0) return pfn;
      const r = this.faultOnce(mm, addr, write);
      if (r === VM_FAULT_RETRY) {
        throw new KernelError('EAGAIN', `0x${addr.toString(16)} is under migration (migration entry to pfn ${this.fault.waitPfn}); retry from a task, which waits for the folio lock`);
      }
    }
  }

  /**
   * The task version of {@link resolve}: on a migration entry it waits for the folio to be
   * unlocked (mm/migrate.c: migration_entry_wait → folio_wait_locked) and retries the fault.
   */
  *resolveTask(mm: MmStruct, addr: number, write: boolean): Generator<unknown, number, unknown> {
    for (;;) {
      const pfn = this.lookup(mm, addr, write);
      if (pfn >= 0) return pfn;
      if (this.faultOnce(mm, addr, write) === VM_FAULT_RETRY) {
        const wait: TaskWait = this.env.locks.waitOnPageLocked(this.env.frames.compoundHead(this.fault.waitPfn));
        yield* wait;
      }
    }
  }

  private faultOnce(mm: MmStruct, addr: number, write: boolean): number {
    const vma = mm.vmaLookup(addr);
    if (!vma) throw new KernelError('EFAULT', `0x${addr.toString(16)} is not mapped`);
    const r = this.fault.handleMmFault(vma, addr, write);
    if (r === VM_FAULT_OK || r === VM_FAULT_RETRY) return r;
    if (r & VM_FAULT_OOM) throw new KernelError('ENOMEM', `out of memory faulting 0x${addr.toString(16)}; free memory and retry`);
    throw new KernelError('EFAULT', `fault at 0x${addr.toString(16)} failed (${r & 0x2 ? 'SIGBUS: beyond the end of the file' : 'SIGSEGV: no permission'})`);
  }

  read(mm: MmStruct, addr: number, length: number): Uint8Array {
    this.checkRange(mm, addr, length, false);
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const a = addr + done;
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      out.set(this.env.mem.content.read(this.resolve(mm, a, false), off, n), done);
      done += n;
    }
    return out;
  }

  write(mm: MmStruct, addr: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new KernelError('EINVAL', 'write: bytes must be a Uint8Array');
    this.checkRange(mm, addr, bytes.length, true);
    for (let done = 0; done < bytes.length;) {
      const a = addr + done;
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      this.env.mem.content.write(this.resolve(mm, a, true), off, bytes.subarray(done, done + n));
      done += n;
    }
  }

  touch(mm: MmStruct, addr: number, length: number, write: boolean): void {
    this.checkRange(mm, addr, length, write);
    const first = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    for (let a = first; a < addr + length; a += PAGE_SIZE) this.resolve(mm, a, write);
  }

  *touchTask(mm: MmStruct, addr: number, length: number, write: boolean): Generator<unknown, void, unknown> {
    this.checkRange(mm, addr, length, write);
    const first = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
    for (let a = first; a < addr + length; a += PAGE_SIZE) yield* this.resolveTask(mm, a, write);
  }

  /** The pfn of the entry {@link followEntry} found last (-1 for none and swap entries). */
  followedPfn = -1;
  /** Its bits (kind and PTE flags), and whether it was a huge PMD. */
  followedBits = 0;
  followedHuge = false;

  /**
   * mm/gup.c: follow_page() without faulting, allocation-free: the EntryKind at addr; the pfn
   * and bits are left in followedPfn / followedBits / followedHuge (move_pages looks up every
   * page this way).
   */
  followEntry(mm: MmStruct, addr: number): EntryKind {
    this.followedPfn = -1;
    this.followedBits = 0;
    this.followedHuge = false;
    const pmdt = mm.pgtables.pmdTable(addr);
    if (!pmdt) return EntryKind.NONE;
    const i = pmdIndex(addr);
    const pb = pmdt.bits[i];
    const pk = pb & KIND_MASK;
    if (pk !== EntryKind.NONE && pk !== EntryKind.TABLE) {
      this.followedPfn = pmdt.val[i] + Math.floor((addr % PMD_SIZE) / PAGE_SIZE);
      this.followedBits = pb;
      this.followedHuge = true;
      return pk;
    }
    const t = pmdt.ptes[i];
    if (!t) return EntryKind.NONE;
    const j = pteIndex(addr);
    const b = t.bits[j];
    const k = b & KIND_MASK;
    if (k === EntryKind.NONE) return k;
    this.followedPfn = k === EntryKind.SWAP ? -1 : t.val[j];
    this.followedBits = b;
    return k;
  }

  /** mm/gup.c: follow_page() without faulting: the entry at addr. */
  follow(mm: MmStruct, addr: number): FollowResult {
    const k = this.followEntry(mm, addr);
    const b = this.followedBits;
    return { pfn: this.followedPfn, kind: KIND_NAMES[k]!, huge: this.followedHuge, writable: (b & PTE_WRITE) !== 0, dirty: (b & PTE_DIRTY) !== 0 };
  }
}
