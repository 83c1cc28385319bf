/**
 * The few printf conversions the /proc renderers need (lib/vsprintf.c semantics for the kernel's
 * seq_printf formats), so each renderer reads like the C format string it reproduces.
 */

/** `%lu` of a counter: a non-negative integer (the kernel clamps transiently negative stats to 0). */
export function lu(n: number): string {
  return String(Math.max(0, Math.trunc(n)));
}

/** `%ld` / `%d` / `%i`: a signed integer. */
export function ld(n: number): string {
  return String(Math.trunc(n));
}

/** `%<width>lu` / `%<width>d`: right-aligned in `width` columns (never truncated). */
export function rpad(value: string | number, width: number): string {
  return String(value).padStart(width, ' ');
}

/** `%-<width>s`: left-aligned in `width` columns (never truncated). */
export function lpad(value: string, width: number): string {
  return value.padEnd(width, ' ');
}

/** include/linux/bitops.h: fls(): 1-based index of the most significant set bit, 0 for 0. */
export function fls(x: number): number {
  return x <= 0 ? 0 : 32 - Math.clz32(x);
}

/** `%0<width>d`: zero-padded; a negative value keeps its sign in front of the zeros, as printf does. */
export function zpad(n: number, width: number): string {
  const v = Math.trunc(n) || 0;
  return v < 0 ? '-' + String(-v).padStart(width - 1, '0') : String(v).padStart(width, '0');
}
