// Shared by the approval routes and the client that waits on them.

/** Longest a GET of an approval waits (below the collector's idle timeout, which cuts a silent connection). */
export const MAX_APPROVAL_WAIT_S = 45;
