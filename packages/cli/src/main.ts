#!/usr/bin/env node
import './v8-tuning';
import 'reflect-metadata';
import { processIo } from './io';
import { runCli } from './program';

/** Entry point of the `mmsim` binary; all logic lives in program.ts so tests can run it in-process. */
void runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
