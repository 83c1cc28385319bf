import 'reflect-metadata';
import { parentPort } from 'node:worker_threads';
import { runVariant, type VariantJob } from './run-variant';

/**
 * worker_threads entry of `mmsim sweep` (runs from dist as worker.js). It takes jobs one at a time
 * from the pool and answers each with its metrics or its error message; the pool ends it with
 * terminate() when the queue is empty.
 */
if (!parentPort) throw new Error('sweep/worker must run inside a worker thread');
const port = parentPort;
port.on('message', (job: VariantJob) => {
  runVariant(job).then(
    (result) => port.postMessage({ ok: true, result }),
    (e: unknown) => port.postMessage({ ok: false, index: job.index, message: (e as Error)?.message ?? String(e) }),
  );
});
