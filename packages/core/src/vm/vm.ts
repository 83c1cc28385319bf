import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { AnonVma, AnonVmas } from './anon-vma';
import { Access, type FollowResult } from './access';
import { MAP_LOCKED, MAP_POPULATE, TASK_SIZE, VM_LOCKED, VM_WRITE } from './constants';
import { VmEnv, type VmDeps } from './env';
import { Fault } from './fault';
import { Filemap, type AddressSpace, type AddressSpaceOps } from './filemap';
import { HugeMemory } from './huge-memory';
import { Ksm } from './ksm';
import { VmMigrationRmap } from './migration-rmap';
import { MigrationEntries, type TryToMigrateOptions } from './migration-entries';
import { MmStruct } from './mm';
import { Mprotect } from './mprotect';
import { Fork } from './fork';
import { MADV_HWPOISON, MADV_SOFT_OFFLINE, type MemoryFailureOps, madviseInjectError } from './hwpoison';
import { PinAccounting } from './gup-pin';
import { MlockOps } from './mlock';
import { Madvise } from './madvise';
import { Mremap } from './mremap';
import { Mmap, type MmapArgs } from './mmap';
import { PageTables } from './page-table';
import { Process, type Capability } from './process';
import { Rmap, type RmapVisit } from './rmap';
import { VmaOps } from './vma-ops';
import { Zap } from './zap';
import { SwapSpace } from './swapfile';
import { TryToUnmap } from './try-to-unmap';

/**
 * The user address-space layer: processes, mmap and friends, page faults, user memory access,
 * rmap and migration entries, the page cache and KSM. One per kernel.
 */
/** The two TTU flag sets the migration engine passes (allocated once). */
const BATCH_FLUSH: TryToMigrateOptions = Object.freeze({ batchFlush: true });
const NO_BATCH_FLUSH: TryToMigrateOptions = Object.freeze({ batchFlush: false });

export class Vm {
  readonly env: VmEnv;
  readonly rmap: Rmap;
  readonly anonVmas: AnonVmas;
  readonly filemap: Filemap;
  readonly thp: HugeMemory;
  readonly ksm: Ksm;
  readonly zap: Zap;
  readonly fault: Fault;
  readonly ops: VmaOps;
  readonly migration: MigrationEntries;
  /** The rmap calls of the migration engine, per folio and unchecked (migrate/deps.ts). */
  readonly migrationRmap: VmMigrationRmap;
  readonly access: Access;
  /** FOLL_GET/FOLL_PIN accounting of GUP (vm/gup.ts). */
  readonly pins: PinAccounting;
  /** Swap areas and swap slots (mm/swapfile.c). */
  readonly swap: SwapSpace;
  /** try_to_unmap / folio_referenced for reclaim (mm/rmap.c). */
  readonly unmap: TryToUnmap;
  private readonly mmapper: Mmap;
  private readonly mprot: Mprotect;
  private readonly forker: Fork;
  private readonly mlocker: MlockOps;
  private readonly madv: Madvise;
  private readonly mrem: Mremap;
  private readonly procs = new Map<number, Process>();
  private memoryFailure: MemoryFailureOps | null = null;
  private nextPid = 100;
  private nextMmId = 1;

  constructor(deps: VmDeps) {
    const env = (this.env = new VmEnv(deps));
    this.rmap = new Rmap(env);
    this.anonVmas = new AnonVmas(env.mem.mappings);
    this.filemap = new Filemap(env);
    this.thp = new HugeMemory(env, this.rmap, this.anonVmas);
    this.ksm = new Ksm(env, this.rmap);
    this.swap = new SwapSpace(env.mem.content);
    this.unmap = new TryToUnmap(env, this.rmap, this.filemap, this.swap);
    this.zap = new Zap(env, this.rmap, this.thp, this.filemap, this.ksm, this.swap);
    this.fault = new Fault(env, this.rmap, this.anonVmas, this.thp, this.filemap, this.ksm, this.swap);
    this.ops = new VmaOps(env, this.anonVmas, this.thp, this.zap, this.filemap);
    this.migration = new MigrationEntries(env, this.rmap, this.anonVmas, this.filemap);
    this.migrationRmap = new VmMigrationRmap(this.rmap, this.migration, this.ksm, env.mem.mappings);
    this.access = new Access(env, this.fault);
    this.pins = new PinAccounting(env);
    this.mmapper = new Mmap(this.ops, this.filemap);
    this.mprot = new Mprotect(env, this.ops, this.thp);
    this.forker = new Fork(env, this.rmap, this.anonVmas, this.thp, this.swap);
    this.mlocker = new MlockOps(env, this.ops);
    this.madv = new Madvise(env, this.ops, this.zap, this.thp);
    this.mrem = new Mremap(env, this.ops, this.mmapper, this.anonVmas, this.thp);
  }

  /** Live processes by pid. */
  get processes(): ReadonlyMap<number, Process> {
    return this.procs;
  }

  /** kernel/fork.c + fs/exec.c, reduced: a new process with an empty address space. */
  createProcess(opts: { comm: string; uid?: number; caps?: Iterable<Capability> }): Process {
    if (typeof opts?.comm !== 'string' || opts.comm.length === 0) throw new KernelError('EINVAL', 'createProcess: comm must be a non-empty string');
    const uid = opts.uid ?? 0;
    if (!Number.isInteger(uid) || uid < 0) throw new KernelError('EINVAL', `createProcess: uid ${uid} must be a non-negative integer`);
    const caps = new Set<Capability>(opts.caps ?? []);
    for (const c of caps) {
      if (c !== 'CAP_SYS_NICE' && c !== 'CAP_SYS_PTRACE' && c !== 'CAP_SYS_ADMIN') throw new KernelError('EINVAL', `createProcess: unknown capability ${String(c)}`);
    }
    const p = new Process(this.nextPid++, opts.comm.slice(0, 15), { uid, caps }, this.newMm());
    this.procs.set(p.pid, p);
    return p;
  }

  /** mm_alloc(): an mm with page tables and its notifier subscriptions. */
  newMm(): MmStruct {
    const mm = new MmStruct(this.nextMmId++, new PageTables(this.env.mem, this.env.alloc));
    mm.notifiers = this.env.notifierFactory(mm);
    return mm;
  }

  /** Throws ESRCH for an exited or foreign process. */
  check(p: Process): MmStruct {
    if (!(p instanceof Process) || p.exited || this.procs.get(p.pid) !== p) throw new KernelError('ESRCH', `process ${p?.pid} does not exist (exited or from another kernel)`);
    return p.mm;
  }

  /**
   * kernel/exit.c: do_exit() → mmput() → exit_mmap(): notifier release, unmap every VMA
   * (munlocking VM_LOCKED ones), free all page tables.
   */
  exitProcess(p: Process): void {
    const mm = this.check(p);
    mm.notifiers.release();
    for (const vma of [...mm.vmas]) {
      this.zap.zapRange(vma, vma.start, vma.end);
      if (vma.flags & VM_LOCKED) mm.lockedVm -= vma.pages;
    }
    for (const vma of [...mm.vmas]) this.ops.unlink(vma);
    mm.pgtables.freePgtables(0, TASK_SIZE);
    mm.users = 0;
    p.exited = true;
    this.procs.delete(p.pid);
  }

  /** mmap(2); MAP_POPULATE / MAP_LOCKED fault the range in (mm_populate, errors ignored). */
  mmap(p: Process, args: MmapArgs): number {
    const mm = this.check(p);
    const addr = this.mmapper.mmap(mm, args);
    if (args.flags & (MAP_POPULATE | MAP_LOCKED)) this.populate(mm, addr, Math.ceil(args.length / PAGE_SIZE) * PAGE_SIZE);
    return addr;
  }

  /** mm/gup.c: populate_vma_page_range(): write-fault private writable memory, read the rest. */
  populate(mm: MmStruct, start: number, len: number): void {
    for (const vma of mm.vmasIn(start, start + len)) {
      const write = (vma.flags & VM_WRITE) !== 0 && !vma.isShared;
      const s = Math.max(start, vma.start);
      const e = Math.min(start + len, vma.end);
      try {
        this.access.touch(mm, s, e - s, write);
      } catch (e) {
        if (!(e instanceof KernelError)) throw e;
      }
    }
  }

  munmap(p: Process, addr: number, length: number): void {
    this.mmapper.munmap(this.check(p), addr, length);
  }

  /** mprotect(2) */
  mprotect(p: Process, addr: number, length: number, prot: number): void {
    this.mprot.mprotect(this.check(p), addr, length, prot);
  }

  /**
   * kernel/fork.c: fork(): a child with a copy of the address space (dup_mmap: COW for private
   * memory, shared file and shmem pages, THP PMDs copied, mlock not inherited). On ENOMEM the
   * half-built child is torn down and nothing of the parent changes but write protection.
   */
  fork(p: Process): Process {
    const mm = this.check(p);
    const child = this.createProcess({ comm: p.comm, uid: p.cred.uid, caps: p.cred.caps });
    try {
      this.forker.dupMmap(mm, child.mm);
    } catch (e) {
      this.exitProcess(child);
      throw e;
    }
    return child;
  }

  /** mlock(2) / mlock2(MLOCK_ONFAULT): VM_LOCKED, mlock mapped folios, populate (unless onfault). */
  mlock(p: Process, addr: number, length: number, onFault = false): void {
    const mm = this.check(p);
    const [s, e] = this.mlocker.apply(mm, addr, length, true, onFault);
    if (!onFault && e > s) this.populate(mm, s, e - s);
  }

  /** munlock(2) */
  munlock(p: Process, addr: number, length: number): void {
    this.mlocker.apply(this.check(p), addr, length, false);
  }

  /**
   * madvise(2): MADV_DONTNEED, MADV_FREE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, and the error
   * injections MADV_HWPOISON / MADV_SOFT_OFFLINE (mm/madvise.c: madvise_inject_error).
   */
  madvise(p: Process, addr: number, length: number, advice: number): void {
    const mm = this.check(p);
    if (advice === MADV_HWPOISON || advice === MADV_SOFT_OFFLINE) madviseInjectError(this, p, mm, addr, length, advice, this.memoryFailure);
    else this.madv.madvise(mm, addr, length, advice);
  }

  /**
   * Connects the hugetlb pool (the kernel wires hugetlb/): MAP_HUGETLB is accepted, VM_HUGETLB
   * faults go to hugetlb_fault() and unmapping to __unmap_hugepage_range().
   */
  setHugetlb(h: NonNullable<Fault['hugetlb']> & NonNullable<Zap['hugetlb']>): void {
    this.fault.hugetlb = h;
    this.zap.hugetlb = h;
    this.mmapper.hugetlb = true;
  }

  /** Connects memory_failure() / soft_offline_page() (the kernel wires memory/memory-failure.ts). */
  setMemoryFailure(mf: MemoryFailureOps): void {
    this.memoryFailure = mf;
  }

  /** mremap(2): MREMAP_MAYMOVE, MREMAP_FIXED (with newAddr), MREMAP_DONTUNMAP. */
  mremap(p: Process, oldAddr: number, oldLength: number, newLength: number, flags = 0, newAddr?: number): number {
    const mm = this.check(p);
    const r = this.mrem.mremap(mm, oldAddr, oldLength, newLength, flags, newAddr);
    if (r.grown) this.populate(mm, r.grown[0], r.grown[1] - r.grown[0]);
    return r.addr;
  }

  /**
   * KSM: merge the identical anonymous pages mapped at the given addresses (of `p`, or of each
   * target's own process) into one write-protected KSM page. Returns the KSM pfn and how many
   * mappings share it. EINVAL for an address without a private anonymous base page.
   */
  ksmMerge(p: Process, addrs: readonly (number | { p: Process; addr: number })[]): { kpfn: number; merged: number } {
    this.check(p);
    // ksmd's write_protect_page() needs page_count == mapcount + 1: drain the per-cpu LRU
    // batches, whose references would otherwise look like pins.
    this.env.lru.lruAddDrainAll();
    const targets = addrs.map((x) => {
      const proc = typeof x === 'number' ? p : x.p;
      const addr = typeof x === 'number' ? x : x.addr;
      const mm = this.check(proc);
      const vma = mm.vmaLookup(addr);
      if (!vma || !vma.isAnonymous || vma.isShared || !vma.anonVma || addr % PAGE_SIZE) {
        throw new KernelError('EINVAL', `ksmMerge: 0x${Number(addr).toString(16)} is not a page-aligned address in private anonymous memory with pages`);
      }
      return { vma, addr };
    });
    return this.ksm.merge(targets);
  }

  read(p: Process, addr: number, length: number): Uint8Array {
    return this.access.read(this.check(p), addr, length);
  }

  write(p: Process, addr: number, bytes: Uint8Array): void {
    this.access.write(this.check(p), addr, bytes);
  }

  touch(p: Process, addr: number, length: number, write: boolean): void {
    this.access.touch(this.check(p), addr, length, write);
  }

  /** Faults [addr, addr+length) in from a simulated task, waiting on migration entries. */
  touchTask(p: Process, addr: number, length: number, write: boolean): Generator<unknown, void, unknown> {
    return this.access.touchTask(this.check(p), addr, length, write);
  }

  followPage(p: Process, addr: number): FollowResult {
    return this.access.follow(this.check(p), addr);
  }

  // rmap contract for the migration engine ------------------------------------------------

  rmapWalk(pfn: number, visit: RmapVisit): void {
    this.env.mem.checkPfn(pfn);
    this.rmap.rmapWalk(pfn, visit);
  }

  folioMapcount(pfn: number): number {
    this.env.mem.checkPfn(pfn);
    return this.rmap.folioMapcount(pfn);
  }

  folioMapped(pfn: number): boolean {
    return this.folioMapcount(pfn) > 0;
  }

  /** try_to_migrate(); `opts` is TTU_BATCH_FLUSH as a boolean or `{ batchFlush }`. */
  tryToMigrate(pfn: number, opts?: boolean | TryToMigrateOptions): void {
    this.migration.tryToMigrate(pfn, typeof opts === 'boolean' ? (opts ? BATCH_FLUSH : NO_BATCH_FLUSH) : opts);
  }

  removeMigrationPtes(src: number, dst: number, locked: boolean): void {
    this.migration.removeMigrationPtes(src, dst, locked);
  }

  /**
   * folio_get_anon_vma(): pins the folio's anon_vma and returns it as a token (its registry id),
   * or 0 when the folio is not a mapped anonymous folio. Release with {@link putAnonVma}.
   */
  folioGetAnonVma(pfn: number): number {
    return this.migration.folioGetAnonVma(pfn)?.id ?? 0;
  }

  /** put_anon_vma() on a token from {@link folioGetAnonVma} (or the AnonVma itself). */
  putAnonVma(token: number | AnonVma): void {
    if (!(token instanceof AnonVma)) {
      this.migrationRmap.putAnonVma(token);
      return;
    }
    this.migration.putAnonVma(token);
  }

  /** folio_migrate_ksm(): the KSM stable node of `src` now points at `dst`. */
  migrateKsm(dst: number, src: number): void {
    this.migrationRmap.migrateKsm(dst, src);
  }

  // page cache ----------------------------------------------------------------------------

  createFile(size: number, opts: { aops?: AddressSpaceOps } = {}): AddressSpace {
    return this.filemap.createFile(size, opts);
  }

  /** Drops the creator's reference; the file is truncated once no VMA maps it either. */
  destroyFile(as: AddressSpace): void {
    if (as.destroyed || as.users <= 0) throw new KernelError('EINVAL', 'destroyFile: the file was already destroyed');
    this.filemap.fput(as);
  }
}
