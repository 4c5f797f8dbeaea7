// LogOrder: a task run that starts while others' logs are still shipping holds its own until they
// have all delivered; one that starts with none pending ships at once.
import { describe, expect, it } from 'vitest';
import { LogOrder } from '../../../runtimes/host/log-order.js';

describe('LogOrder', () => {
  it('holds a task run that starts while others ship, until each of those has delivered', () => {
    const order = new LogOrder();
    const released: string[] = [];
    const release = (name: string) => () => released.push(name);
    expect(order.holdFor('a', release('a'))).toBe(false);
    order.stepsDone('a');
    order.stepsDone('b');
    expect(order.holdFor('c', release('c'))).toBe(true);
    order.stepsDone('d'); // ended after c started: c does not wait for it
    order.delivered('a');
    expect(released).toEqual([]);
    order.delivered('b');
    expect(released).toEqual(['c']);
    expect(order.holdFor('e', release('e'))).toBe(true); // d still ships
    order.delivered('d');
    expect(released).toEqual(['c', 'e']);
    expect(order.holdFor('f', release('f'))).toBe(false);
  });

  it('lets go of a held task run that ends without shipping (it delivers nothing more to wait for)', () => {
    const order = new LogOrder();
    const released: string[] = [];
    order.stepsDone('a');
    expect(order.holdFor('b', () => released.push('b'))).toBe(true);
    order.delivered('b'); // e.g. its runner was lost
    order.delivered('a');
    expect(released).toEqual([]);
    expect(order.holdFor('c', () => released.push('c'))).toBe(false);
  });
});
