import { KernelError } from '../errors';
import { PAGE_SIZE } from '../mem/constants';
import { PAGE_MAPPING_ANON } from '../mem/mapping';
import { PG } from '../mem/page-flags';
import { NodeStat, VmEvent, ZoneStat } from '../stat/vmstat-items';
import { GFP_HIGHUSER_MOVABLE, __GFP_ZERO } from '../zone/gfp';
import type { VmEnv } from './env';
import type { VmArea } from './vma';

/** struct address_space_operations, as far as migration and dirtying need it. */
export interface AddressSpaceOps {
  /** a_ops->migrate_folio: filemap_migrate_folio, buffer_migrate_folio, or none (fallback). */
  migrateFolio?: 'filemap' | 'buffer' | undefined;
  /** a_ops->writepage present (fallback_migrate_folio writes dirty folios out). */
  writepage?: boolean;
  /** a_ops->dirty_folio: filemap_dirty_folio (accounted) or noop_dirty_folio. */
  dirtyFolio?: 'filemap' | 'noop';
}

/**
 * include/linux/fs.h: struct address_space. Registered in the mapping registry; its page->mapping
 * word has no low bits. `iPages` is the page cache (index → pfn), `iMmap` the VMAs mapping it in
 * the order they were linked. A shmem mapping (MAP_SHARED|MAP_ANONYMOUS) has `shmem` set: its
 * pages are swap-backed and counted in NR_SHMEM.
 */
export class AddressSpace {
  readonly iPages = new Map<number, number>();
  readonly iMmap: VmArea[] = [];
  /**
   * The file's contents on its (simulated) disk, by page index: bytes, or a content fingerprint
   * for pages that had no real bytes. Written by writeback; read when a folio is read back in
   * after reclaim dropped it. Indexes never written back read as zeros.
   */
  readonly backing = new Map<number, Uint8Array | number>();
  id = 0;
  word = 0;
  /** Open references (struct file users): VMAs plus the creator until destroyFile(). */
  users = 1;
  destroyed = false;

  constructor(public sizePages: number, readonly aops: AddressSpaceOps, readonly shmem: boolean) {}

  /** mapping->nrpages */
  get nrpages(): number {
    return this.iPages.size;
  }

  /**
   * xas_store() as folio_migrate_mapping() uses it: the slot of `index` now holds newPfn.
   * Throws a ContractViolation-free KernelError if the slot does not hold oldPfn.
   */
  holdsFolio(index: number, pfn: number): boolean {
    return this.iPages.get(index) === pfn;
  }

  replaceFolio(index: number, oldPfn: number, newPfn: number): void {
    if (this.iPages.get(index) !== oldPfn) {
      throw new KernelError('EINVAL', `replaceFolio: page cache index ${index} holds ${this.iPages.get(index) ?? 'nothing'}, not pfn ${oldPfn}`);
    }
    this.iPages.set(index, newPfn);
  }
}

/** mm/filemap.c: the page cache. */
export class Filemap {
  constructor(private readonly env: VmEnv) {}

  /** Creates a file of `size` bytes (zero-filled) with the given address_space operations. */
  createFile(size: number, opts: { aops?: AddressSpaceOps; shmem?: boolean } = {}): AddressSpace {
    if (!Number.isSafeInteger(size) || size < 0) throw new KernelError('EINVAL', `file size ${size} must be a non-negative integer number of bytes`);
    const aops = opts.aops ?? { migrateFolio: 'filemap', dirtyFolio: 'filemap' };
    const m = aops.migrateFolio;
    if (m !== undefined && m !== 'filemap' && m !== 'buffer') throw new KernelError('EINVAL', `aops.migrateFolio must be 'filemap', 'buffer' or undefined, not ${String(m)}`);
    const as = new AddressSpace(Math.ceil(size / PAGE_SIZE), aops, opts.shmem ?? false);
    as.id = this.env.mem.mappings.register(as);
    as.word = this.env.mem.mappings.word(as.id, 0);
    return as;
  }

  /**
   * mm/filemap.c: filemap_fault() page-cache part: the folio at index, read in (zero-filled, as
   * a fresh file) and added with filemap_add_folio() if absent. Returns -1 when no memory.
   */
  getFolio(as: AddressSpace, index: number): number {
    const cached = as.iPages.get(index);
    if (cached !== undefined) return cached;
    const pfn = this.env.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
    if (pfn < 0) return -1;
    const disk = as.backing.get(index);
    if (disk !== undefined) {
      // filemap_read_folio(): the contents written back before the folio was reclaimed.
      if (typeof disk === 'number') this.env.mem.content.setFingerprint(pfn, disk);
      else this.env.mem.content.write(pfn, 0, disk);
      this.env.vmstat.count(VmEvent.PGMAJFAULT);
    }
    this.filemapAddFolio(as, pfn, index);
    this.env.putFolio(pfn); // the page cache keeps its own reference
    return pfn;
  }

  /**
   * mm/filemap.c: filemap_add_folio(): insert into i_pages (+1 reference per page), set
   * mapping/index, PG_uptodate (read complete), NR_FILE_PAGES (+NR_SHMEM and PG_swapbacked for
   * shmem), and put the folio on the file LRU.
   */
  filemapAddFolio(as: AddressSpace, pfn: number, index: number): void {
    const f = this.env.frames;
    if (as.iPages.has(index)) throw new KernelError('EEXIST', `page cache index ${index} is already populated`);
    f.mapping[pfn] = as.word;
    f.index[pfn] = index;
    f.flags[pfn] |= 1 << PG.uptodate;
    if (as.shmem) f.flags[pfn] |= 1 << PG.swapbacked;
    this.env.alloc.getPage(pfn);
    as.iPages.set(index, pfn);
    this.env.modNode(pfn, NodeStat.NR_FILE_PAGES, 1);
    if (as.shmem) this.env.modNode(pfn, NodeStat.NR_SHMEM, 1);
    this.env.lru.folioAddLru(pfn);
  }

  /**
   * mm/page-writeback.c: folio_mark_dirty(): anonymous folios just get PG_dirty; file folios go
   * through a_ops->dirty_folio (filemap_dirty_folio accounts NR_FILE_DIRTY and
   * NR_ZONE_WRITE_PENDING the first time).
   */
  folioMarkDirty(pfn: number): void {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const mapping = f.mapping[head];
    if (f.flags[head] & (1 << PG.dirty)) return;
    f.flags[head] |= 1 << PG.dirty;
    if (mapping === 0 || mapping & PAGE_MAPPING_ANON) return;
    this.accountDirty(head, mapping);
  }

  /** folio_account_dirtied() for a page-cache folio that just became dirty. */
  private accountDirty(head: number, mapping: number): void {
    const as = this.env.mem.mappings.resolve<AddressSpace>(mapping);
    if (!as || as.aops.dirtyFolio === 'noop') return;
    this.env.modNode(head, NodeStat.NR_FILE_DIRTY, 1);
    this.env.mem.pageZone(head).vmStat[ZoneStat.NR_ZONE_WRITE_PENDING] += 1;
  }

  /** Reads file bytes from the page cache (holes read as zeros), for tests and tools. */
  readFile(as: AddressSpace, offset: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > as.sizePages * PAGE_SIZE) {
      throw new KernelError('EINVAL', `readFile: [${offset}, ${offset + length}) is outside the ${as.sizePages * PAGE_SIZE}-byte file`);
    }
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const pos = offset + done;
      const off = pos % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const index = Math.floor(pos / PAGE_SIZE);
      const pfn = as.iPages.get(index);
      if (pfn !== undefined) out.set(this.env.mem.content.read(pfn, off, n), done);
      else this.readBacking(as, index, off, n, out, done);
      done += n;
    }
    return out;
  }

  private readBacking(as: AddressSpace, index: number, off: number, n: number, out: Uint8Array, at: number): void {
    const disk = as.backing.get(index);
    if (disk === undefined || disk === 0) return;
    if (typeof disk !== 'number') {
      out.set(disk.subarray(off, off + n), at);
      return;
    }
    for (let i = 0; i < n; i++) out[at + i] = (disk >>> (((off + i) & 3) * 8)) & 0xff;
  }

  /**
   * mm/page-writeback.c: folio_clear_dirty_for_io() + a_ops->writepage completing at once: the
   * folio's contents go to the file's disk (`backing`), PG_dirty and its NR_FILE_DIRTY /
   * NR_ZONE_WRITE_PENDING accounting are cleared. Returns false for a clean folio.
   */
  writebackFolio(pfn: number): boolean {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const as = this.env.mem.mappings.resolve<AddressSpace>(f.mapping[head]);
    if (!as || f.mapping[head] & PAGE_MAPPING_ANON || !(f.flags[head] & (1 << PG.dirty))) return false;
    const c = this.env.mem.content;
    as.backing.set(f.index[head], c.hasBytes(head) ? c.read(head) : c.fingerprint(head));
    f.flags[head] &= ~(1 << PG.dirty);
    if (as.aops.dirtyFolio !== 'noop') {
      this.env.modNode(head, NodeStat.NR_FILE_DIRTY, -1);
      this.env.mem.pageZone(head).vmStat[ZoneStat.NR_ZONE_WRITE_PENDING] -= 1;
    }
    this.env.vmstat.count(VmEvent.PGPGOUT, PAGE_SIZE / 1024);
    return true;
  }

  /**
   * mm/vmscan.c: __remove_mapping() → __filemap_remove_folio() for a clean, unmapped page-cache
   * folio: it leaves i_pages (mapping cleared, NR_FILE_PAGES dropped) and the cache's reference
   * is returned to the caller to drop.
   */
  removeMapping(pfn: number): void {
    const f = this.env.frames;
    const head = f.compoundHead(pfn);
    const as = this.env.mem.mappings.resolve<AddressSpace>(f.mapping[head]);
    if (!as || as.iPages.get(f.index[head]) !== head) throw new KernelError('EINVAL', `removeMapping: pfn ${head} is not in a page cache`);
    as.iPages.delete(f.index[head]);
    f.mapping[head] = 0;
    f.flags[head] &= ~(1 << PG.uptodate);
    this.env.modNode(head, NodeStat.NR_FILE_PAGES, -1);
    if (as.shmem) this.env.modNode(head, NodeStat.NR_SHMEM, -1);
  }

  /** Drops one user of the file; the last one truncates the page cache and unregisters it. */
  fput(as: AddressSpace): void {
    if (--as.users === 0) this.truncate(as);
  }

  /**
   * mm/truncate.c: truncate_inode_pages_final(): every cached folio leaves the page cache
   * (page_cache_delete: mapping cleared, NR_FILE_PAGES/NR_SHMEM/NR_FILE_DIRTY dropped) and loses
   * the cache's reference. Only called once no VMA maps the file.
   */
  private truncate(as: AddressSpace): void {
    for (const [, pfn] of as.iPages) this.pageCacheDelete(as, pfn);
    as.iPages.clear();
    as.destroyed = true;
    this.env.mem.mappings.unregister(as.id);
  }
  /**
   * mm/truncate.c: truncate_inode_folio() for one unmapped index (a file shrinking by a page,
   * fadvise DONTNEED): the folio leaves the page cache and loses the cache's reference. Returns
   * false when the index is not cached (never read, or reclaim already dropped it); a folio still
   * mapped by a process is EBUSY (unmap first).
   */
  truncateIndex(as: AddressSpace, index: number): boolean {
    const pfn = as.iPages.get(index);
    if (pfn === undefined) return false;
    if (this.env.frames.mapcount[pfn]! !== 0) {
      throw new KernelError('EBUSY', `truncateIndex: page cache index ${index} (pfn ${pfn}) is mapped by a process; munmap it first`);
    }
    as.iPages.delete(index);
    this.pageCacheDelete(as, pfn);
    return true;
  }

  /** page_cache_delete() + the cache's folio_put(): mapping cleared, counters dropped. */
  private pageCacheDelete(as: AddressSpace, pfn: number): void {
    const f = this.env.frames;
    if (f.flags[pfn] & (1 << PG.dirty)) {
      f.flags[pfn] &= ~(1 << PG.dirty);
      if (as.aops.dirtyFolio !== 'noop') {
        this.env.modNode(pfn, NodeStat.NR_FILE_DIRTY, -1);
        this.env.mem.pageZone(pfn).vmStat[ZoneStat.NR_ZONE_WRITE_PENDING] -= 1;
      }
    }
    f.mapping[pfn] = 0;
    f.flags[pfn] &= ~(1 << PG.uptodate);
    this.env.modNode(pfn, NodeStat.NR_FILE_PAGES, -1);
    if (as.shmem) this.env.modNode(pfn, NodeStat.NR_SHMEM, -1);
    this.env.putFolio(pfn);
  }
}
