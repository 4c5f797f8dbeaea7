// The labels a triggered run carries (kiln serve's run records; on Kubernetes, the PipelineRun's
// labels and annotations): where it came from and what the forge was told.
export const TRIGGER_LABELS = {
  trigger: 'kiln.dev/trigger',
  delivery: 'kiln.dev/delivery',
  event: 'kiln.dev/event',
  sha: 'kiln.dev/sha',
  /** owner/name or a GitLab project id: where the commit status goes. */
  repo: 'kiln.dev/repo',
  /** The last commit status sent: `success: posted`, or why it was not. */
  commitStatus: 'kiln.dev/commit-status',
  supersededBy: 'kiln.dev/superseded-by',
} as const;
