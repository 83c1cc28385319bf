import type { IClock } from '../time/clock';

export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warn' | 'notice' | 'info' | 'debug';

export interface LogRecord {
  /** ns since boot */
  ts: number;
  level: LogLevel;
  text: string;
}

/**
 * The kernel log (printk / dmesg): warnings such as "page allocation failure" land here with
 * their simulated timestamps. Bounded like the kernel's ring buffer.
 */
export class Printk {
  readonly records: LogRecord[] = [];

  constructor(private readonly clock: IClock, private readonly limit = 10_000) {}

  log(level: LogLevel, text: string): void {
    if (this.records.length >= this.limit) this.records.shift();
    this.records.push({ ts: this.clock.now(), level, text });
  }

  /** dmesg output: `[    1.234567] text` per line. */
  dmesg(): string {
    return this.records
      .map((r) => {
        const us = Math.floor(r.ts / 1000);
        const sec = Math.floor(us / 1_000_000);
        return `[${String(sec).padStart(5, ' ')}.${String(us % 1_000_000).padStart(6, '0')}] ${r.text}\n`;
      })
      .join('');
  }
}
