// What a trigger is once read: from a `triggers:` file (kiln serve) or a Trigger resource (the
// controller). Both readers produce this one shape; matching a delivery reads nothing else.
import type { CelFilter } from './cel.js';
import type { Template } from './template.js';

export const SOURCES = ['github', 'gitlab', 'gitea', 'generic'] as const;
export type Source = (typeof SOURCES)[number];

/** Where commit statuses go (`status:` of a trigger). */
export interface StatusTarget {
  /** The forge's API base (https://api.github.com, https://gitlab.example/api/v4, https://gitea.example/api/v1). */
  api: string;
  /** File holding the API token (kiln serve: relative to the triggers file; the controller: a path in its container). */
  tokenFile?: string;
  /** Kubernetes: the key of the controller's kiln-webhook-secrets Secret holding the API token. */
  tokenSecretKey?: string;
  /** The status's name on the forge (GitHub's and Gitea's `context`, GitLab's `name`). */
  context: string;
}

export interface Trigger {
  name: string;
  /** The pipeline file (kiln serve, relative to the triggers file) or the Pipeline's name (Kubernetes). */
  pipeline: string;
  source: Source;
  /** kiln serve: the file holding the shared secret. */
  secretFile?: string;
  /** Events that start a run (normalised: push, pull_request, tag, or the forge's own name); empty = any. */
  events: string[];
  /** Branch globs (`*` within a path segment, `**` across); empty = any branch. */
  branches: string[];
  filter?: CelFilter;
  params: Record<string, Template>;
  concurrency?: { group: Template; cancelInProgress: boolean };
  status?: StatusTarget;
  /** kiln serve: the engine that runs it (host, podman, auto). */
  engine?: string;
}
