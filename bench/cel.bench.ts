// CEL `when` evaluation as the engine does it (references resolved to typed variables, the
// planned program cached by source) against the string `when` (`x in [a, b]`) on the same scope as
// baseline; and, while it is still installed, @marcbachmann/cel-js on the same expression (the
// library not chosen: see docs/orchestration.md) — the first call of each includes parsing.
//   npx tsx bench/cel.bench.ts     (BENCH_CEL_ROUNDS to resize)
import { evaluateCel, evaluateWhen, makeResolver } from '../syntax/index.js';

const ROUNDS = Number(process.env.BENCH_CEL_ROUNDS ?? 20000);
const resolve = makeResolver({
  params: { n: '5', env: 'prod', list: ['linux', 'darwin'] },
  taskResults: { test: { coverage: '0.93' } },
});
const EXPR = '$(params.n) > 3 && $(params.env) in ["prod", "staging"] && $(tasks.test.results.coverage) >= 0.9';

function perCall(label: string, call: () => unknown): number {
  const t0 = performance.now();
  call();
  const first = performance.now() - t0;
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) call();
  const us = ((performance.now() - start) * 1000) / ROUNDS;
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/call  (first call ${first.toFixed(2)} ms)`);
  return us;
}

const cel = perCall('CEL when (@bufbuild/cel, cached program)', () => {
  const r = evaluateCel({ expression: EXPR }, resolve);
  if (!('value' in r) || !r.value) throw new Error(`unexpected ${JSON.stringify(r)}`);
});
const base = perCall('baseline: string when, 2 expressions (in / ==)', () => {
  const r = evaluateWhen(
    [
      { input: '$(params.env)', operator: 'in', values: ['prod', 'staging'] },
      { input: '$(tasks.test.results.coverage)', operator: 'in', values: ['0.93'] },
    ],
    resolve,
  );
  if (!r.pass) throw new Error('unexpected');
});
console.log(`CEL / string when: ${(cel / base).toFixed(1)}×`);

// Not a dependency any more: named through a variable so the type checker does not require it.
const LOSER = '@marcbachmann/cel-js';
const marc = (await import(LOSER).catch(() => undefined)) as
  { evaluate(text: string, vars: object): unknown; parse(text: string): (vars: object) => unknown } | undefined;
if (marc) {
  const vars = { n: 5n, env: 'prod', cov: 0.93 };
  const text = 'n > 3 && env in ["prod", "staging"] && cov >= 0.9';
  perCall('@marcbachmann/cel-js, parse + evaluate each call', () => marc.evaluate(text, vars));
  const parsed = marc.parse(text);
  perCall('@marcbachmann/cel-js, parsed once', () => parsed(vars));
  const { celEnv, parse, plan } = await import('@bufbuild/cel');
  const env = celEnv();
  perCall('@bufbuild/cel, parse + plan + evaluate each call', () => plan(env, parse(text))(vars));
  const planned = plan(env, parse(text));
  perCall('@bufbuild/cel, planned once', () => planned(vars));
} else
  console.log('@marcbachmann/cel-js is not installed: the comparison of the two libraries is in docs/orchestration.md');
