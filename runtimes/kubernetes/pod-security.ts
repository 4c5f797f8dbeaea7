// The security of a task's Pod, in one of two modes. `image` (the default, as Tekton): steps run
// as their image's user with the container runtime's capabilities, so ordinary CI images (npm with
// HOME=/, apt-get) work; only Kiln's own containers (init, log proxy) are locked down under a
// non-root UID of their own. `restricted`: every container passes PodSecurity `restricted`.
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';
import { UsageError } from '../../contract/index.js';

const NON_ROOT_UID = 65532;

export const POD_SECURITY_MODES = ['image', 'restricted'] as const;
export type PodSecurity = (typeof POD_SECURITY_MODES)[number];

export function podSecurityContext(opts: {
  podSecurity?: PodSecurity;
  runAsUser?: number;
}): V1PodSecurityContext | undefined {
  if (opts.podSecurity !== 'restricted')
    return opts.runAsUser === undefined ? undefined : { runAsUser: opts.runAsUser };
  const uid = opts.runAsUser ?? NON_ROOT_UID;
  return {
    runAsNonRoot: uid !== 0,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

// A fresh object per container: shared ones would print as YAML anchors.
export const lockedDown = (): V1SecurityContext => ({
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
});

/**
 * Kiln's own containers (init, log proxy) need nothing of the image's user: locked down in both
 * modes, under their own non-root UID when the Pod does not set one (mode `image`).
 */
export const kilnSecurity = (restricted: boolean): V1SecurityContext =>
  restricted
    ? lockedDown()
    : {
        ...lockedDown(),
        runAsNonRoot: true,
        runAsUser: NON_ROOT_UID,
        runAsGroup: NON_ROOT_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      };

export const POD_SECURITY_HELP =
  "image: steps run as their image's user; restricted: every container passes PodSecurity restricted";

/** `--pod-security` (or KILN_POD_SECURITY) as given: `image` when absent. */
export function podSecurityFlag(value: string | undefined): PodSecurity {
  if (value === undefined || value === '') return 'image';
  if ((POD_SECURITY_MODES as readonly string[]).includes(value)) return value as PodSecurity;
  throw new UsageError(
    `--pod-security ${value} (or KILN_POD_SECURITY): not a mode`,
    `give one of ${POD_SECURITY_MODES.join(', ')}`,
  );
}
