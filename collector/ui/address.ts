// The line `kiln collector` prints about its web UI. The reader token goes in the address's
// fragment (browsers never send it to the server) only when a person is at the terminal: a
// collector's stderr in a cluster ends up in pod logs, readable by more people than the token should be.
/** A run's page in the web UI served at `base` (a collector's URL, or KILN_UI_URL). */
export function runPageUrl(base: string, run: string): string {
  return `${base.replace(/\/+$/, '')}/#/run/${encodeURIComponent(run)}`;
}

export function webUiLine(o: { url: string; readerToken: string; tokenSource: string; tty: boolean }): string {
  return o.tty
    ? `web UI: ${o.url}/#token=${encodeURIComponent(o.readerToken)}`
    : `web UI: ${o.url}/ (paste the reader token from ${o.tokenSource}, or open ${o.url}/#token=TOKEN)`;
}
