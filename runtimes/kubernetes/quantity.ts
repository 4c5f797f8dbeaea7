// Kubernetes resource quantities ("250m", "1Gi", "2e3") as numbers, so the pod builder can take
// the maximum request over steps. Only comparison is needed: the original string is kept.
import { KilnError } from '../../contract/index.js';

export class InvalidQuantityError extends KilnError {
  readonly code = 'invalid-quantity';
  constructor(
    readonly value: string,
    readonly where: string,
  ) {
    super(`${where}: "${value}" is not a Kubernetes quantity (examples: 500m, 2, 1Gi, 256Mi)`);
  }
}

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

export function parseQuantity(value: string, where: string): number {
  const m = QUANTITY.exec(value.trim());
  if (!m || value.length > 64) throw new InvalidQuantityError(value, where);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * SUFFIX[m[3] ?? ''];
}
