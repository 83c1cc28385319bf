import { formatPageFlags } from './mem/page-flags';

/** errno values used by the kernel paths mmsim reproduces (include/uapi/asm-generic/errno-base.h). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  ERANGE: 34,
  ENOSYS: 38,
  EAGAIN: 11,
  EHWPOISON: 133,
  EOPNOTSUPP: 95,
} as const;
export type ErrnoName = keyof typeof Errno;

const ERRNO_BY_NUMBER = new Map<number, ErrnoName>(
  Object.entries(Errno).map(([name, value]) => [value, name as ErrnoName]),
);

/** The errno name of a (positive or negative) errno number, or `E<n>` if unknown. */
export function errnoName(errno: number): string {
  return ERRNO_BY_NUMBER.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/**
 * A failure of a public API call: the errno the kernel would return plus a sentence that says
 * what was wrong and how to fix it. Nothing was changed by the failed call.
 */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  /** Negative errno, as the kernel returns it (`-EINVAL`). */
  readonly errno: number;

  constructor(readonly code: ErrnoName, message: string) {
    super(`${code}: ${message}`);
    this.errno = -Errno[code];
  }
}

/** What a ContractViolation reports about the page involved (dump_page). */
export interface ViolationPage {
  pfn: number;
  flags: number;
  refcount?: number;
  mapcount?: number;
  mapping?: number;
}

/**
 * A broken kernel or driver contract: the simulator's catchable equivalent of VM_BUG_ON_PAGE /
 * bad_page(). `rule` is the id from ../shared/reference/kernel.md §4 (M1–M11, D1–D7, H1–H10,
 * C1–C5) or a core page-state rule (PG1–PG6). Checks made before the core acts throw before any
 * state changes; checks made after a driver callback returns first give back everything the core
 * holds (locks, references, list membership), so the kernel is still consistent after the throw.
 */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  readonly pfn: number;
  readonly flags: number;

  constructor(
    readonly rule: string,
    reason: string,
    page: ViolationPage | undefined,
    readonly driver?: string,
  ) {
    super(ContractViolation.describe(rule, reason, page, driver));
    this.pfn = page?.pfn ?? -1;
    this.flags = page?.flags ?? 0;
  }

  private static describe(rule: string, reason: string, page: ViolationPage | undefined, driver?: string): string {
    const who = driver ? ` (driver "${driver}")` : '';
    if (!page) return `[${rule}] ${reason}${who}`;
    const parts = [`pfn:0x${page.pfn.toString(16)}`];
    if (page.refcount !== undefined) parts.push(`refcount:${page.refcount}`);
    if (page.mapcount !== undefined) parts.push(`mapcount:${page.mapcount}`);
    if (page.mapping !== undefined) parts.push(`mapping:0x${page.mapping.toString(16)}`);
    parts.push(`flags:0x${(page.flags & 0xffffff).toString(16)}(${formatPageFlags(page.flags)})`);
    return `[${rule}] ${reason}${who}: page ${parts.join(' ')}`;
  }
}
