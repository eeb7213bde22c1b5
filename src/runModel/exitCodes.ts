/** The spec's exit codes. */
export const EXIT = {
  SUCCESS: 0,
  CREATION_FAILURES: 1,
  EXECUTION_FAILURES: 2,
  BOTH_FAILURES: 3,
  ERROR: 4,
} as const;

export function exitCodeFor(creationFailures: number, executionFailures: number): number {
  if (creationFailures > 0 && executionFailures > 0) return EXIT.BOTH_FAILURES;
  if (creationFailures > 0) return EXIT.CREATION_FAILURES;
  if (executionFailures > 0) return EXIT.EXECUTION_FAILURES;
  return EXIT.SUCCESS;
}
