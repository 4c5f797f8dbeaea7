// What the API server's version tells the pod builder. Native sidecars (init containers with
// restartPolicy: Always) are on by default from 1.29; an older server drops the field in silence
// and the log proxy would block the Pod in Init, so the controller asks first, as Tekton does.

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion?: string;
}

/** 1.29 or newer (a managed cluster's minor may read "29+"); an unreadable version counts as old. */
export function nativeSidecarsSupported(v: ServerVersion): boolean {
  const major = parseInt(v.major, 10);
  const minor = parseInt(v.minor, 10);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return false;
  return major > 1 || (major === 1 && minor >= 29);
}
