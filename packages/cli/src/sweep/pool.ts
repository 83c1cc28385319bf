import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { runVariant, type VariantJob, type VariantResult } from './run-variant';

export interface PoolOptions {
  jobs: number;
  /** false: run variants one after another in this thread (tests under ts-jest, where worker.js does not exist). */
  workers: boolean;
  onDone?: (done: number, total: number) => void;
}

type WorkerReply = { ok: true; result: VariantResult } | { ok: false; index: number; message: string };

/** The compiled worker beside this file; only the dist build has it. */
export function workerScript(): string {
  return join(__dirname, 'worker.js');
}

async function runInProcess(jobs: readonly VariantJob[], opts: PoolOptions): Promise<VariantResult[]> {
  const results: VariantResult[] = [];
  for (const job of jobs) {
    try {
      results.push(await runVariant(job));
    } catch (e) {
      throw new Error(`variant ${job.slug}: ${(e as Error)?.message ?? String(e)}`);
    }
    opts.onDone?.(results.length, jobs.length);
  }
  return results;
}

/**
 * Runs `jobs.length` variants on `opts.jobs` worker threads. Results are returned in job order,
 * whatever order they finish in, and each variant depends only on its own scenario and seed, so
 * the outputs do not depend on the number of workers. The first failure stops the pool.
 */
export async function runPool(jobs: readonly VariantJob[], opts: PoolOptions): Promise<VariantResult[]> {
  if (!opts.workers) return runInProcess(jobs, opts);
  const script = workerScript();
  if (!existsSync(script)) throw new Error(`${script} is missing: worker threads run the compiled CLI (run tsc -b first)`);
  const results = new Array<VariantResult | undefined>(jobs.length);
  const threads = Math.max(1, Math.min(opts.jobs, jobs.length));
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      if (jobs.length === 0) return resolve();
      const feed = (w: Worker): void => {
        // An idle worker stays alive until the finally below: terminating it here would look like a crash to 'exit'.
        if (next < jobs.length) w.postMessage(jobs[next++]);
      };
      for (let i = 0; i < threads; i++) {
        const w = new Worker(script);
        workers.push(w);
        w.on('message', (reply: WorkerReply) => {
          if (!reply.ok) return reject(new Error(`variant ${jobs[reply.index]?.slug ?? reply.index}: ${reply.message}`));
          results[reply.result.index] = reply.result;
          opts.onDone?.(++done, jobs.length);
          if (done === jobs.length) resolve();
          else feed(w);
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0 && done < jobs.length) reject(new Error(`a sweep worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results.map((r, i) => {
    if (!r) throw new Error(`variant ${jobs[i]!.slug} produced no result`);
    return r;
  });
}
