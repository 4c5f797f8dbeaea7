// The labels a triggered run's record carries: where it came from and what the forge was told.
export const TRIGGER_LABELS = {
  trigger: 'kiln.dev/trigger',
  delivery: 'kiln.dev/delivery',
  event: 'kiln.dev/event',
  sha: 'kiln.dev/sha',
  /** The last commit status sent: `success: posted`, or why it was not. */
  commitStatus: 'kiln.dev/commit-status',
  supersededBy: 'kiln.dev/superseded-by',
} as const;
