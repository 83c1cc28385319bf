import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from './io';
import { runCli } from './program';

/** Test helper: runs the CLI in-process with captured output and no terminal. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stderrIsTTY: false, env: {} };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mmsim-cli-'));
}

export const SMALL_SCENARIO = join(__dirname, '__fixtures__', 'small.yaml');
