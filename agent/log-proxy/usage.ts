// The log proxy's --help text: its own module so the agent's command table loads nothing else.
export const LOG_PROXY_USAGE = `usage: kiln-agent log-proxy -run_dir D -log_dir D -steps S1,S2 [-collector URL -token_file F
         -pipeline_run R -task_run T] [-state_dir D] [-deadline 5m]
         [-spool_limit 512M] [-exit_with_parent]

Tails each step's spool (-log_dir/<i>.spool), ships it to the collector, keeps acked positions
in -state_dir (default -log_dir/.proxy) and exits once every step's post file (-run_dir/<i>/out
or out.err) exists and every line is acked. -deadline: give up that long after the last step
ended, listing what was not delivered (on stderr and in -state_dir/undelivered.json), exit 1.
A position that cannot be saved (the state directory full) is retried; shipping goes on.
-spool_limit: a step's spool may hold this many bytes not yet acked (default 512M; K, M, G are
powers of 1024; 0: no limit); past it the entrypoint stops reading the step's output, so the step
waits in its writes until the collector acks (said on stderr): nothing is dropped.
-exit_with_parent: exit 1 when the process that started the proxy dies.`;
