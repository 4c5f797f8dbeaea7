export { FakeClock } from './clock.js';
export { FakeRuntime, type FakeOutcome, type FakeScript, type FakeStart } from './runtime.js';
