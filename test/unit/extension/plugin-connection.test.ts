/**
 * One notebook's inspector comm (extension/src/plugin/connection.ts) against a stand-in session and kernel that
 * record what the frontend opens and sends: nothing for another kernel; for ConvLab's, one comm opened with `{}`,
 * requests matched to answers by id, a restart reopening it, a refused comm left alone. (The real kernel and
 * JupyterLab meet in test/e2e/plugin.test.ts.)
 */
import { Signal } from '@lumino/signaling';
import { describe, expect, it, vi } from 'vitest';
import { InspectorConnection } from '../../../extension/src/plugin/connection';

interface FakeComm {
  target: string;
  opened: unknown[];
  sent: Record<string, unknown>[];
  closed: boolean;
  isDisposed: boolean;
  onMsg: (msg: { content: { data: unknown } }) => void;
  onClose: (msg: unknown) => void;
  open(data: unknown): void;
  send(data: Record<string, unknown>): void;
  close(): void;
}

/**
 * A stand-in kernel. Its comms' close() runs onClose at once, as JupyterLab's does (services' CommHandler), and
 * throws like a dead kernel's when `dead` is set.
 */
function fakeKernel(implementation: string) {
  const comms: FakeComm[] = [];
  const kernel = {
    dead: false,
    isDisposed: false,
    info: Promise.resolve({ implementation }),
    createComm(target: string): FakeComm {
      const comm: FakeComm = {
        target,
        opened: [],
        sent: [],
        closed: false,
        isDisposed: false,
        onMsg: () => undefined,
        onClose: () => undefined,
        open(data) {
          this.opened.push(data);
        },
        send(data) {
          this.sent.push(data);
        },
        close() {
          if (kernel.dead) throw new Error('Kernel is dead');
          this.closed = true;
          this.onClose({});
          this.isDisposed = true;
        },
      };
      comms.push(comm);
      return comm;
    },
  };
  return { kernel, comms };
}

function fakeSession(kernel: unknown) {
  const owner = {};
  const session = {
    session: { kernel },
    kernelChanged: new Signal<object, unknown>(owner),
    statusChanged: new Signal<object, string>(owner),
    ready: Promise.resolve(),
  };
  return session;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const state = (backend = 'cpu') => ({
  event: 'state',
  backend,
  renderer: null,
  tensors: [{ name: 'x', shape: [1, 1, 4, 4], bytes: 64, backend: 'cpu', op: null }],
  memory: { bytes: 64, count: 1 },
});

async function connected(implementation = 'convlab') {
  const { kernel, comms } = fakeKernel(implementation);
  const session = fakeSession(kernel);
  const connection = new InspectorConnection(session as never);
  // A new notebook's kernel is reported twice (ready, and kernelChanged): one comm all the same.
  session.kernelChanged.emit({});
  await tick();
  return { connection, comms, session, kernel };
}

describe('InspectorConnection', () => {
  it('opens nothing with another kernel', async () => {
    const { connection, comms } = await connected('python');
    expect(comms).toEqual([]);
    expect(connection.status).toBe('other-kernel');
    await expect(connection.requestFeatureMap('x')).rejects.toThrow(/no ConvLab kernel/);
  });

  it("opens one comm to ConvLab's kernel and is open once the kernel sent its state", async () => {
    const { connection, comms } = await connected();
    expect(comms.map((c) => [c.target, c.opened])).toEqual([['convlab.inspector', [{}]]]);
    expect(connection.status).toBe('connecting');
    comms[0]!.onMsg({ content: { data: state('wasm') } });
    expect(connection.status).toBe('open');
    expect(connection.state?.backend).toBe('wasm');
  });

  it('matches answers to requests by id; an unknown id is dropped, an error event rejects', async () => {
    const { connection, comms } = await connected();
    const comm = comms[0]!;
    comm.onMsg({ content: { data: state() } });
    const map = connection.requestFeatureMap('x');
    const value = connection.requestValue('k-1', 0, [2, 3]);
    const [first, second] = comm.sent as [{ id: number }, { id: number }];
    expect(comm.sent).toEqual([
      { request: 'featuremap', name: 'x', id: first.id },
      { request: 'value', ref: 'k-1', map: 0, index: [2, 3], id: second.id },
    ]);
    expect(first.id).not.toBe(second.id);
    comm.onMsg({ content: { data: { event: 'value', id: 999, value: 1 } } });
    comm.onMsg({ content: { data: { event: 'error', id: second.id, error: 'ref k-1 is gone' } } });
    comm.onMsg({ content: { data: { event: 'featuremap', id: first.id, name: 'x', bundle: { data: { 'text/plain': 'x' } } } } });
    await expect(map).resolves.toMatchObject({ name: 'x', bundle: { data: { 'text/plain': 'x' } } });
    await expect(value).rejects.toThrow('ref k-1 is gone');
  });

  it('a malformed message is reported, not taken as state', async () => {
    const { connection, comms } = await connected();
    comms[0]!.onMsg({ content: { data: state() } });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    comms[0]!.onMsg({ content: { data: { ...state('wasm'), backend: 7 } } });
    expect(connection.state?.backend).toBe('cpu');
    expect(connection.error).toMatch(/malformed.*backend: expected a string/);
    warn.mockRestore();
  });

  it('reopens after a restart, failing what was pending', async () => {
    const { connection, comms, session } = await connected();
    comms[0]!.onMsg({ content: { data: state() } });
    const pending = connection.requestFeatureMap('x');
    session.statusChanged.emit('restarting');
    await expect(pending).rejects.toThrow();
    expect(connection.status).toBe('connecting');
    session.statusChanged.emit('idle');
    expect(comms).toHaveLength(2);
    expect(comms[1]!.opened).toEqual([{}]);
    comms[1]!.onMsg({ content: { data: state() } });
    expect(connection.status).toBe('open');
    // Idle after each cell opens nothing more.
    session.statusChanged.emit('busy');
    session.statusChanged.emit('idle');
    expect(comms).toHaveLength(2);
  });

  it('a kernel that closes the comm before any state is not asked again on every idle', async () => {
    const { connection, comms, session } = await connected();
    comms[0]!.onClose({});
    session.statusChanged.emit('idle');
    expect(comms).toHaveLength(1);
    expect(connection.error).toMatch(/refused/);
  });

  it('closes its comm when disposed, and tells no one of it (its onClose runs within close)', async () => {
    const { connection, comms } = await connected();
    comms[0]!.onMsg({ content: { data: state() } });
    const heard = vi.fn();
    connection.changed.connect(heard);
    const waiting = connection.requestFeatureMap('x');
    connection.dispose();
    expect(comms[0]!.closed).toBe(true);
    expect(heard).not.toHaveBeenCalled();
    expect(connection.error).toBeUndefined();
    await expect(waiting).rejects.toThrow('the notebook was closed');
  });

  it("is disposed, its listeners let go, when its kernel is dead and the comm's close throws", async () => {
    const { connection, comms, kernel } = await connected();
    const heard = vi.fn();
    connection.changed.connect(heard);
    kernel.dead = true;
    expect(() => connection.dispose()).not.toThrow();
    expect(connection.isDisposed).toBe(true);
    expect(comms[0]!.closed).toBe(false);
    // Signal.clearData ran: the listener is disconnected (emitted from inside, as a state would).
    (connection as unknown as { changedSignal: Signal<unknown, void> }).changedSignal.emit();
    expect(heard).not.toHaveBeenCalled();
  });
});
