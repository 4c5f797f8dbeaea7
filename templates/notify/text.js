// Shared by the notify/* catalog templates (inlined before the sender's script): the environment
// and the one line a message says when the pipeline gave no message of its own.
const env = process.env;

function defaultText() {
  const status = env.NOTIFY_STATUS ? ` ended ${env.NOTIFY_STATUS}` : ' finished';
  return `Kiln pipeline ${env.NOTIFY_PIPELINE} run ${env.NOTIFY_RUN}${status}`;
}
