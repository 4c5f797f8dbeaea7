// Lease leader election over real HTTP (the loopback API server serves coordination.k8s.io Leases;
// test/e2e/k8s/leader-election.test.ts runs it on the real API server with two controller processes).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubeLeaseStore, LeaderElector, type LeaseStore } from '../../controller/index.js';
import { FakeApiServer } from '../../testkit/fake-apiserver.js';
import { loopbackKubeConfig, until } from '../../testkit/kubeconfig.js';

const TIMINGS = { leaseDurationMs: 1_000, renewDeadlineMs: 600, retryPeriodMs: 150 };
let server: FakeApiServer;
let store: LeaseStore;
const electors: LeaderElector[] = [];

beforeEach(async () => {
  server = new FakeApiServer();
  await server.start();
  store = kubeLeaseStore(loopbackKubeConfig(server.url), 'kiln', 'kiln-controller');
});
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop(false);
  await server.stop();
});

function candidate(identity: string, s: LeaseStore = store) {
  const lines: string[] = [];
  const e = new LeaderElector({ store: s, identity, ...TIMINGS, log: (l) => lines.push(l) });
  electors.push(e);
  let lostWhy: string | undefined;
  const leading = e.lead((why) => (lostWhy = why));
  return { e, lines, leading, lost: () => lostWhy };
}
const holder = () => server.get('leases', 'kiln', 'kiln-controller')?.spec as { holderIdentity?: string } | undefined;

describe('Lease leader election', () => {
  it('of two candidates started together one leads; the other waits, naming the holder', async () => {
    const a = candidate('a');
    const b = candidate('b');
    const [first, other] = await Promise.race([a.leading.then(() => [a, b]), b.leading.then(() => [b, a])]);
    const leader = first === a ? 'a' : 'b';
    await until('the follower waiting', () => other!.lines.some((l) => l.includes(`held by ${leader}`)));
    expect(holder()?.holderIdentity).toBe(leader);
    expect(other!.lines.some((l) => l.startsWith('became the leader'))).toBe(false);
  });

  it('a leader that dies without handing the Lease back is replaced once the lease duration has passed', async () => {
    const a = candidate('a');
    await a.leading;
    const b = candidate('b');
    await until('b waiting', () => b.lines.some((l) => l.includes('held by a')));
    const died = Date.now();
    await a.e.stop(false);
    expect(await b.leading).toBe(true);
    const took = Date.now() - died;
    expect(took).toBeGreaterThanOrEqual(TIMINGS.leaseDurationMs - TIMINGS.retryPeriodMs * 1.2);
    expect(took).toBeLessThan(TIMINGS.leaseDurationMs + 3 * TIMINGS.retryPeriodMs + 500);
    expect(holder()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('a leader stopping cleanly hands the Lease back: the successor takes it well within the lease duration', async () => {
    const a = candidate('a');
    await a.leading;
    const b = candidate('b');
    await until('b waiting', () => b.lines.some((l) => l.includes('held by a')));
    const stopped = Date.now();
    await a.e.stop();
    await b.leading;
    expect(Date.now() - stopped).toBeLessThan(TIMINGS.leaseDurationMs);
    expect(holder()?.holderIdentity).toBe('b');
  });

  it('a leader that cannot renew within the renew deadline gives up before its Lease expires', async () => {
    let failing = false;
    const flaky: LeaseStore = {
      ...store,
      where: store.where,
      update: (r, rv) =>
        failing ? Promise.reject(new Error('injected: API server unreachable')) : store.update(r, rv),
    };
    const a = candidate('a', flaky);
    await a.leading;
    failing = true;
    const from = Date.now();
    const why = await until('leadership lost', () => a.lost(), 5_000);
    expect(why).toMatch(/could not renew the lease kiln\/kiln-controller for 0.6s/);
    expect(Date.now() - from).toBeLessThan(TIMINGS.leaseDurationMs);
    expect(a.lines.some((l) => l.includes('injected: API server unreachable'))).toBe(true);
  });

  it('a candidate stopped while waiting never leads', async () => {
    const a = candidate('a');
    await a.leading;
    const b = candidate('b');
    await until('b waiting', () => b.lines.some((l) => l.includes('held by a')));
    await b.e.stop();
    expect(await b.leading).toBe(false);
    expect(holder()?.holderIdentity).toBe('a');
  });
});
