import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunArtifacts } from '../engine/run-scenario';
import { toStableJson } from './stable-json';

/** Writes summary.json and every other artifact under `dir`, creating directories as needed. */
export function writeOutputs(dir: string, artifacts: RunArtifacts): string[] {
  const files: Record<string, string | Uint8Array> = { 'summary.json': toStableJson(artifacts.summary), ...artifacts.files };
  const written: string[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(rel);
  }
  return written;
}
