// The reporter of a run nobody records (tests, previews); the interface is contract's RunReporter.
import type { RunReporter } from '../contract/index.js';

export const noopReporter: RunReporter = {
  runStarted() {},
  runUpdated() {},
  runFinished() {},
};
