// Shared by the notify/* catalog templates (inlined before the sender's script): the environment
// and the one line a message says when the pipeline gave no message of its own.
const env = process.env;

// The duration is the run's so far when the notifying task started (a finally task: all of it);
// failed tasks and the link to the run's page are said when there are any.
function defaultText() {
  const status = env.NOTIFY_STATUS ? ` ended ${env.NOTIFY_STATUS}` : ' finished';
  const after = env.NOTIFY_DURATION ? ` after ${env.NOTIFY_DURATION}` : '';
  const failed = env.NOTIFY_FAILED ? `; failed: ${env.NOTIFY_FAILED}` : '';
  const link = env.NOTIFY_LINK ? ` ${env.NOTIFY_LINK}` : '';
  return `Kiln pipeline ${env.NOTIFY_PIPELINE} run ${env.NOTIFY_RUN}${status}${after}${failed}${link}`;
}
