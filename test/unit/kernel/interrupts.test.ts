/**
 * kernel/src/interrupts.ts: deferred library calls go through the kernel's runner, and the resets that stand in for
 * the `finally` blocks an interrupt skips (Node ends interrupted code without running them) put the state back.
 * The real interrupt is tested against the kernel in test/kernel/test_protocol.py.
 */
import { describe, expect, it } from 'vitest';
import { display, setDisplaySink } from '../../../kernel/src/display/display';
import { onInterrupt, recoverFromInterrupt, runInterruptibly, setInterruptibleRunner } from '../../../kernel/src/interrupts';
import { output } from '../../../kernel/src/widgets';
import { recordComms } from '../widgets/support';

recordComms();

describe('interrupts', () => {
  it('runs deferred calls through the installed runner', () => {
    const ran: string[] = [];
    const previous = setInterruptibleRunner((call) => {
      ran.push('runner');
      call();
    });
    try {
      runInterruptibly(() => ran.push('call'));
    } finally {
      setInterruptibleRunner(previous);
    }
    runInterruptibly(() => ran.push('plain'));
    expect(ran).toEqual(['runner', 'call', 'plain']);
  });

  it('runs every reset after an interrupt, even when one throws, and not once unregistered', () => {
    const done: number[] = [];
    const forget = [
      onInterrupt(() => done.push(1)),
      onInterrupt(() => {
        throw new Error('broken reset');
      }),
      onInterrupt(() => done.push(3)),
    ];
    expect(() => recoverFromInterrupt()).not.toThrow();
    expect(done).toEqual([1, 3]);
    forget.forEach((f) => f());
    recoverFromInterrupt();
    expect(done).toEqual([1, 3]);
  });

  it('gives display() back to the cell when an interrupt cut a capture short', () => {
    const cell: unknown[] = [];
    const previous = setDisplaySink({ send: (bundle) => void cell.push(bundle.data['text/plain']), clear: () => undefined });
    try {
      const out = output();
      out.capture(() => {
        display('in the widget');
        // What the host does when an interrupt ended the capture (its restore never ran).
        recoverFromInterrupt();
        display('after the interrupt');
      });
      display('next cell');
      expect(cell).toEqual(["'after the interrupt'", "'next cell'"]);
      expect(out.get('outputs').map((o) => (o as { data?: Record<string, unknown> }).data?.['text/plain'])).toEqual(["'in the widget'"]);
    } finally {
      setDisplaySink(previous);
    }
  });
});
