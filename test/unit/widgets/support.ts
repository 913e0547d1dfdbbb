/**
 * A recording comm transport for widget tests: every `comm_open`/`comm_msg`/`comm_close` the kernel sends, and
 * a way to play the frontend's messages back in (what the host hands to `receiveComm`).
 */
import { afterEach, beforeEach } from 'vitest';
import { receiveComm, setCommTransport } from '../../../kernel/src/comm';

/** One message the kernel sent. */
export interface Sent {
  type: 'comm_open' | 'comm_msg' | 'comm_close';
  content: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Installs a recording transport around each test of the file; returns the list it records into. */
export function recordComms(): Sent[] {
  const sent: Sent[] = [];
  beforeEach(() => {
    sent.length = 0;
    setCommTransport({ send: (type, content, metadata) => sent.push({ type, content, metadata }) });
  });
  afterEach(() => {
    setCommTransport(undefined);
  });
  return sent;
}

/** The `data` of the comm messages sent on comm `id` (kernel → frontend), in order. */
export function messagesOn(sent: readonly Sent[], id: string): Record<string, unknown>[] {
  return sent.filter((m) => m.type === 'comm_msg' && m.content['comm_id'] === id).map((m) => m.content['data'] as Record<string, unknown>);
}

/** The state a `comm_open` of comm `id` carried. */
export function openedState(sent: readonly Sent[], id: string): Record<string, unknown> {
  const open = sent.find((m) => m.type === 'comm_open' && m.content['comm_id'] === id);
  if (!open) throw new Error(`no comm_open for ${id}`);
  return (open.content['data'] as { state: Record<string, unknown> }).state;
}

/** The frontend sends `data` on comm `id`. */
export function fromFrontend(id: string, data: unknown): void {
  receiveComm('comm_msg', { comm_id: id, data }, {}, []);
}
