// The podman engine refuses a task run whose ServiceAccount gives credentials (Tekton's credential
// initialization is the host engine's), before anything is made, naming the account and the way out.
import { describe, expect, it } from 'vitest';
import { forPodman } from '../../../runtimes/podman/plan.js';
import { PodmanError } from '../../../runtimes/podman/errors.js';
import { plan, step } from '../../controller/plans.js';

describe('podman and credentials', () => {
  it('refuses them with the account named and --engine host as the hint; runs a plan without them', () => {
    const base = { ...plan({ steps: [step('one', { command: ['true'] })] }), workspaceBindings: {} };
    const credentials = {
      account: 'builder',
      secrets: [{ name: 'k', type: 'kubernetes.io/ssh-auth', annotations: {}, data: {} }],
    };
    const refused = (() => {
      try {
        forPodman({ ...base, credentials }, '/nonexistent');
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(PodmanError);
    expect((refused as PodmanError).message).toContain('ServiceAccount "builder" gives credentials');
    expect((refused as PodmanError).hint).toContain('--engine host');
    expect(forPodman(base, '/nonexistent').plan.name).toBe(base.name);
  });
});
