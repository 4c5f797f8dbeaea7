// Colour on a terminal: NO_COLOR (https://no-color.org) turns it off, FORCE_COLOR on (or off with
// 0/false), else it is on where the stream is a terminal that is not `dumb`.
export interface Paint {
  status(status: string, text: string): string;
  dim(text: string): string;
  /** A stderr line's prefix. */
  err(text: string): string;
}

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR) return false;
  return !!stream.isTTY && env.TERM !== 'dumb';
}

const sgr = (code: number) => (text: string) => (text ? `\x1b[${code}m${text}\x1b[0m` : text);
const green = sgr(32);
const red = sgr(31);
const yellow = sgr(33);
const cyan = sgr(36);
const dim = sgr(2);

const BY_STATUS: Record<string, (text: string) => string> = {
  Succeeded: green,
  Failed: red,
  TimedOut: red,
  Cancelled: yellow,
  Running: cyan,
  Skipped: dim,
  Pending: dim,
};

export const plain: Paint = { status: (_s, t) => t, dim: (t) => t, err: (t) => t };
export const coloured: Paint = { status: (s, t) => (BY_STATUS[s] ?? ((x) => x))(t), dim, err: red };

export function paintFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  return colourWanted(stream, env) ? coloured : plain;
}
