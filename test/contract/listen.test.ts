// A listen address and the URL a client on this machine reaches it at (contract/listen.ts): the
// collector and kiln run's early-bound server both print this URL, so they must agree.
import { describe, expect, it } from 'vitest';
import { listeningUrl, parseListen } from '../../contract/index.js';

describe('listen addresses', () => {
  it('parses HOST:PORT, an IPv6 host in brackets, and refuses anything else', () => {
    expect(parseListen('127.0.0.1:8790')).toEqual({ host: '127.0.0.1', port: 8790 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('localhost')).toThrow(/--listen localhost: not HOST:PORT/);
    expect(() => parseListen('h:65536', '--metrics-listen')).toThrow(/--metrics-listen h:65536/);
  });

  it('answers the bound port, brackets for IPv6 and loopback for every address', () => {
    expect(listeningUrl('127.0.0.1', { port: 41234 }, 0)).toBe('http://127.0.0.1:41234');
    expect(listeningUrl('::1', { port: 8790 }, 8790)).toBe('http://[::1]:8790');
    expect(listeningUrl('0.0.0.0', { port: 8790 }, 8790)).toBe('http://127.0.0.1:8790');
    // A server not (or no longer) bound answers null: the requested port stands.
    expect(listeningUrl('localhost', null, 8790)).toBe('http://localhost:8790');
  });
});
