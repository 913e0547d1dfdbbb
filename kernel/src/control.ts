/**
 * The control channel and the heartbeat, on a thread of their own, so that they answer while a cell runs
 * synchronous code on the main thread (a `while (true) {}` blocks every socket the main thread owns):
 *
 * - `interrupt_request` is answered at once and stops the running cell by signalling the process (SIGINT,
 *   which tslab's `vm` call turns into an exception, `breakOnSigint`); the signal is repeated every
 *   {@link RESIGNAL_MS} until the cell that was running ends, because one that lands while the cell is still
 *   being type-checked is only queued by Node. This is how a kernel behind a gateway, which cannot be sent a
 *   signal, is interrupted (the kernelspec's `interrupt_mode` is `message`);
 * - `kernel_info_request` and `shutdown_request` are answered here; every other request is answered by the main
 *   thread (its reply travels back here), and every control message is handed to the main thread, which
 *   publishes its busy/idle status on iopub;
 * - the parent is watched as ipykernel does: when the process that started the kernel is gone, the kernel
 *   exits instead of running on as an orphan.
 *
 * The main thread tells this one which cell runs through a shared `Int32Array` (`RUNNING`: the cell's number,
 * 0 between cells). One file, both halves: `startControlThread` on the main thread, `serve` in the worker.
 */
import { createRequire } from 'module';
import { isMainThread, parentPort, Worker, workerData } from 'worker_threads';
import { messageFrames, parseMessage, RefusedMessage, Signer, type Message } from './wire';

/** How often an interrupt is re-sent while the cell it was meant for still runs. */
const RESIGNAL_MS = 100;
/** An interrupt is re-sent for at most this long (a type-check of a huge cell included). */
const RESIGNAL_FOR_MS = 60_000;
/**
 * After the targeted cell ended, its re-sent signals may still be queued on the main thread: for this long they
 * are recognised as stale (see {@link ControlThread.isStale}) and stop nothing.
 */
const STALE_AFTER_MS = 1_000;
/** How often the parent process is checked. */
const PARENT_POLL_MS = 1_000;
/** After a shutdown_request, the process is ended by force if the main thread has not ended it by then. */
const SHUTDOWN_GRACE_MS = 5_000;
/** The largest control or heartbeat message read (bytes): no control request carries code. */
const MAX_CONTROL_BYTES = 16 * 2 ** 20;
/** Indexes in the shared state: the running cell's number (0: none), and the cell an interrupt was sent for. */
const RUNNING = 0;
const TARGET = 1;

/** What the worker needs from the connection file and the main thread. */
interface ControlData {
  transport: string;
  ip: string;
  controlPort: number;
  hbPort: number;
  key: string;
  scheme: string;
  session: string;
  kernelInfo: Record<string, unknown>;
  state: SharedArrayBuffer;
  /** The pid to watch (the kernel's parent when it started); 0 or 1: none. */
  parentPid: number;
}

/** A control message handed to the main thread: it publishes busy/idle, and acts on `shutdown`. */
export interface ControlEvent {
  kind: 'interrupt' | 'shutdown' | 'answered' | 'request' | 'log';
  message?: Message;
  text?: string;
}

/** What the worker is sent: the reply of a request it handed over, or the order to close its sockets. */
type ToWorker = { kind: 'reply'; message: Message; content: Record<string, unknown> | undefined } | { kind: 'close' };

/** The main thread's handle on the control thread. */
export interface ControlThread {
  /** Marks cell `count` (> 0) as running, or no cell (0): what an interrupt stops. */
  running(count: number): void;
  /**
   * True when a SIGINT that reaches the main thread now was sent by this thread for another cell than
   * `current` (one that has ended: the signal waited in Node's queue): it must not stop the next cell.
   */
  isStale(current: number): boolean;
  /** Sends the reply to a request that the control thread handed over (`kind: 'request'`). */
  reply(message: Message, content: Record<string, unknown> | undefined): void;
  /** Closes the control and heartbeat sockets and ends the thread. */
  close(): Promise<void>;
}

/** Starts the thread; resolves once its sockets are bound. */
export async function startControlThread(
  connection: { transport: string; ip: string; control_port: number; hb_port: number; key: string; signature_scheme?: string },
  session: string,
  kernelInfo: Record<string, unknown>,
  onEvent: (event: ControlEvent) => void,
): Promise<ControlThread> {
  const state = new Int32Array(new SharedArrayBuffer(4 * 2));
  const data: ControlData = {
    transport: connection.transport,
    ip: connection.ip,
    controlPort: connection.control_port,
    hbPort: connection.hb_port,
    key: connection.key,
    scheme: connection.signature_scheme || 'hmac-sha256',
    session,
    kernelInfo,
    state: state.buffer as SharedArrayBuffer,
    parentPid: Number(process.env['JPY_PARENT_PID']) || 0,
  };
  const worker = new Worker(__filename, { workerData: { convlabControl: data } });
  let closed: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (event: ControlEvent | { kind: 'bound' } | { kind: 'closed' } | { kind: 'failed'; text: string }) => {
      if (event.kind === 'bound') resolve();
      else if (event.kind === 'failed') reject(new Error(event.text));
      else if (event.kind === 'closed') closed?.();
      else onEvent(restore(event));
    });
  });
  worker.on('error', (error) => onEvent({ kind: 'log', text: `control thread failed: ${String(error)}` }));
  return {
    running: (count) => Atomics.store(state, RUNNING, count),
    isStale: (current) => {
      const target = Atomics.load(state, TARGET);
      return target !== 0 && target !== current;
    },
    reply: (message, content) => worker.postMessage({ kind: 'reply', message, content } satisfies ToWorker),
    // The thread stays alive after closing its sockets: its timer still ends a shutdown that hangs.
    close: async () => {
      await Promise.race([
        new Promise<void>((resolve) => {
          closed = resolve;
          worker.postMessage({ kind: 'close' } satisfies ToWorker);
        }),
        new Promise((resolve) => setTimeout(resolve, 1_000)),
      ]);
    },
  };
}

/** Identities cross threads as Uint8Arrays; the sockets want Buffers again. */
function restore<T extends { message?: Message }>(event: T): T {
  if (!event.message) return event;
  return { ...event, message: { ...event.message, identities: event.message.identities.map((id) => Buffer.from(id)) } };
}

/**
 * ipykernel's parent poller, for POSIX: watch only where the client named itself (`JPY_PARENT_PID`, which
 * jupyter_client sets unless it starts the kernel independent) and that is not init. If it is our parent,
 * the kernel is orphaned once its parent changes; if not (a launcher in between), once it is re-parented to
 * init. `process.ppid` reads the parent anew every time.
 * @returns a check to poll, or undefined when there is nothing to watch
 */
function parentWatch(parentPid: number): (() => boolean) | undefined {
  if (!(parentPid > 1) || process.platform === 'win32') return undefined;
  return process.ppid === parentPid ? () => process.ppid !== parentPid : () => process.ppid === 1;
}

/** The worker: binds control and heartbeat, answers, interrupts, watches the parent. */
async function serve(data: ControlData): Promise<void> {
  const port = parentPort!;
  const post = (event: ControlEvent): void => port.postMessage(event);
  const log = (text: string): void => post({ kind: 'log', text });
  // The ZeroMQ binding tslab ships (and loads itself): the kernel uses the same one.
  const zmq = createRequire(require.resolve('tslab/package.json'))('zeromq') as typeof import('zeromq');
  // Linger as ipykernel's: closing never waits for ever on a client that is gone.
  const control = new zmq.Router({ linger: 1_000, maxMessageSize: MAX_CONTROL_BYTES });
  const hb = new zmq.Reply({ linger: 1_000, maxMessageSize: MAX_CONTROL_BYTES });
  const signer = new Signer(data.key, data.scheme);
  const state = new Int32Array(data.state);
  let sending: Promise<void> = Promise.resolve();
  const send = (message: Message, content: Record<string, unknown>): void => {
    const type = message.header.msg_type.replace(/_request$/, '_reply');
    const frames = messageFrames(signer, data.session, message.identities.map((id) => Buffer.from(id)), type, content, message.header);
    sending = sending.then(() => control.send(frames)).catch((error: unknown) => log(`could not send ${type}: ${String(error)}`));
  };

  const interrupt = (): void => {
    const target = Atomics.load(state, RUNNING);
    // Windows has no SIGINT to send (process.kill would end the process): there the main thread interrupts an
    // awaiting cell when it gets the event; synchronous code cannot be stopped.
    if (target === 0 || process.platform === 'win32') return;
    Atomics.store(state, TARGET, target);
    const started = Date.now();
    const signal = (): boolean => {
      if (Atomics.load(state, RUNNING) !== target || Date.now() - started > RESIGNAL_FOR_MS) return false;
      process.kill(process.pid, 'SIGINT');
      return true;
    };
    const done = (): void => {
      // Signals still queued for the ended cell are stale for a while; then a plain SIGINT acts again.
      setTimeout(() => Atomics.compareExchange(state, TARGET, target, 0), STALE_AFTER_MS);
    };
    if (!signal()) return done();
    const timer = setInterval(() => {
      if (signal()) return;
      clearInterval(timer);
      done();
    }, RESIGNAL_MS);
  };

  const handle = (message: Message): void => {
    switch (message.header.msg_type) {
      case 'interrupt_request':
        send(message, { status: 'ok' });
        interrupt();
        return post({ kind: 'interrupt', message });
      case 'kernel_info_request':
        send(message, data.kernelInfo);
        return post({ kind: 'answered', message });
      case 'shutdown_request':
        send(message, { status: 'ok', restart: message.content['restart'] === true });
        // The main thread closes everything and exits: a running cell is interrupted so it can; if it still
        // cannot, the process ends anyway.
        interrupt();
        setTimeout(() => process.kill(process.pid, 'SIGKILL'), SHUTDOWN_GRACE_MS).unref();
        return post({ kind: 'shutdown', message });
      default:
        return post({ kind: 'request', message });
    }
  };

  port.on('message', (order: ToWorker) => {
    if (order.kind === 'reply') {
      if (order.content) send(order.message, order.content);
    } else {
      void sending.then(() => {
        control.close();
        hb.close();
        port.postMessage({ kind: 'closed' });
      });
    }
  });

  const orphaned = parentWatch(data.parentPid);
  if (orphaned) {
    setInterval(() => {
      if (!orphaned()) return;
      log(`the process that started the kernel (pid ${data.parentPid}) is gone: exiting`);
      // The main thread may be busy in a cell: end the process from here.
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);
    }, PARENT_POLL_MS);
  }

  const address = (p: number): string => `${data.transport}://${data.ip}:${p}`;
  try {
    await Promise.all([control.bind(address(data.controlPort)), hb.bind(address(data.hbPort))]);
  } catch (error) {
    // The kernel must not start half-bound (jupyter_client's ports can be taken in between): it exits instead.
    port.postMessage({ kind: 'failed', text: `cannot bind the control or heartbeat port: ${String(error)}` });
    return;
  }
  port.postMessage({ kind: 'bound' });
  void (async () => {
    for await (const frames of hb) await hb.send(frames);
  })().catch((error: unknown) => log(`heartbeat stopped: ${String(error)}`));
  for await (const frames of control) {
    try {
      handle(parseMessage(frames, signer));
    } catch (error) {
      log(`dropped a control message: ${error instanceof RefusedMessage ? error.message : String(error)}`);
    }
  }
}

const data = (workerData as { convlabControl?: ControlData } | null)?.convlabControl;
if (!isMainThread && data) {
  serve(data).catch((error: unknown) => parentPort?.postMessage({ kind: 'log', text: `control thread stopped: ${String(error)}` }));
}
