import { SingleBar, Presets } from 'cli-progress';
import type { CliIo } from './io';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update: () => {}, stop: () => {} };

/**
 * A cli-progress bar on stderr, only for an interactive terminal outside CI: stdout stays clean
 * for the summary, and logs of CI jobs or pipes get no control characters.
 */
export function createProgress(io: CliIo, label: string, quiet: boolean): Progress {
  if (quiet || !io.stderrIsTTY || io.env['CI']) return NO_PROGRESS;
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
