import { type ErrnoName, KernelError } from '../errors';

/**
 * A KernelError that keeps the error it wraps in the standard `cause` property, so stack traces
 * and test assertions reach the plugin's own error (KernelError's constructor takes no cause).
 */
export function kernelErrorWithCause(code: ErrnoName, message: string, cause: unknown): KernelError {
  const err = new KernelError(code, message);
  err.cause = cause;
  return err;
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
