/** Process exit codes of the mmsim command. */
export const EXIT_OK = 0;
/** The run itself failed (a kernel error, an output that could not be written). */
export const EXIT_RUN_FAILURE = 1;
/** The command line or a scenario file is wrong: the user can fix it. */
export const EXIT_USAGE = 2;

/**
 * An error the user caused and can fix (bad option, unreadable or invalid scenario). The CLI
 * prints its message alone, without a stack trace, and exits with {@link EXIT_USAGE}.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EXIT_USAGE;
}
