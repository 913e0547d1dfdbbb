/**
 * Jupyter comms, the library's side: the channel Jupyter widgets (`jupyter.widget`) and ConvLab's JupyterLab
 * plugin (`convlab.inspector`) talk over. The kernel host (host.ts) only moves messages: it hands every
 * `comm_open`, `comm_msg` and `comm_close` that arrives on shell to {@link receiveComm}, and sends what a
 * {@link Comm} sends through the {@link CommTransport} the launcher installs.
 *
 * A comm is opened from either side. The kernel opens one with {@link openComm} (a widget model); a frontend
 * opens one to a target the kernel registered with {@link registerCommTarget}. A `comm_open` for a target
 * nobody registered is answered with `comm_close`, as ipykernel does, so the frontend's comm fails at once.
 *
 * Outside a kernel (scripts, unit tests) comms still open and keep their handlers; nothing is sent.
 *
 * @example
 * registerCommTarget('echo', (comm) => comm.onMessage((msg) => comm.send(msg.data)));
 * const comm = openComm('jupyter.widget', { state: { value: 3 }, buffer_paths: [] }, { version: '2.1.0' });
 * comm.send({ method: 'update', state: { value: 4 }, buffer_paths: [] });
 */
/** One message on a comm: its `data`, the message's `metadata`, and its binary buffers. */
export interface CommMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  buffers: readonly Uint8Array[];
}

/** How comm messages leave the kernel; the launcher installs one that publishes them on iopub. */
export interface CommTransport {
  send(
    type: 'comm_open' | 'comm_msg' | 'comm_close',
    content: Record<string, unknown>,
    metadata: Record<string, unknown>,
    buffers: readonly Uint8Array[],
  ): void;
}

/** A handler for comms a frontend opens to a target. */
export type CommTargetHandler = (comm: Comm, open: CommMessage) => void;

let transport: CommTransport | undefined;
const comms = new Map<string, Comm>();
const targets = new Map<string, CommTargetHandler>();

/** The most comms the kernel keeps open at once: each holds handlers (and a widget its state). */
export const MAX_COMMS = 100_000;

/** One end of a comm. */
export class Comm {
  private messageHandlers: ((message: CommMessage) => void)[] = [];
  private closeHandlers: ((message: CommMessage) => void)[] = [];
  private isClosed = false;

  /** @internal use {@link openComm}, or a target handler's argument. */
  constructor(
    readonly id: string,
    readonly targetName: string,
  ) {}

  /** Whether either side closed it. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends `comm_msg` to the frontend; a closed comm sends nothing. */
  send(data: Record<string, unknown>, buffers: readonly Uint8Array[] = [], metadata: Record<string, unknown> = {}): void {
    if (this.isClosed) return;
    transport?.send('comm_msg', { comm_id: this.id, data }, metadata, buffers);
  }

  /** Closes it from the kernel's side (`comm_close`); the close handlers do not run for the kernel's own close. */
  close(data: Record<string, unknown> = {}): void {
    if (this.isClosed) return;
    this.isClosed = true;
    comms.delete(this.id);
    transport?.send('comm_close', { comm_id: this.id, data }, {}, []);
  }

  /** Calls `handler` with every `comm_msg` the frontend sends on this comm. */
  onMessage(handler: (message: CommMessage) => void): void {
    this.messageHandlers.push(handler);
  }

  /** Calls `handler` when the frontend closes this comm. */
  onClose(handler: (message: CommMessage) => void): void {
    this.closeHandlers.push(handler);
  }

  /** @internal */
  deliver(message: CommMessage): void {
    for (const handler of this.messageHandlers) handler(message);
  }

  /** @internal */
  closedByFrontend(message: CommMessage): void {
    this.isClosed = true;
    comms.delete(this.id);
    for (const handler of this.closeHandlers) handler(message);
  }
}

/** Installs how comm messages leave the kernel; returns the previous transport. */
export function setCommTransport(next: CommTransport | undefined): CommTransport | undefined {
  const previous = transport;
  transport = next;
  return previous;
}

/**
 * Opens a comm from the kernel to a frontend target (`comm_open`).
 * @example openComm('jupyter.widget', { state, buffer_paths: [] }, { version: '2.1.0' })
 */
export function openComm(
  targetName: string,
  data: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
  buffers: readonly Uint8Array[] = [],
): Comm {
  if (comms.size >= MAX_COMMS) {
    throw new Error(`openComm: the kernel already holds ${comms.size} open comms (at most ${MAX_COMMS}); hint: close widgets you no longer use (widget.close())`);
  }
  // Web Crypto (global in Node 20 and in browsers): the library also runs in a browser page, without Node's modules.
  const comm = new Comm(globalThis.crypto.randomUUID().replace(/-/g, ''), targetName);
  comms.set(comm.id, comm);
  transport?.send('comm_open', { comm_id: comm.id, target_name: targetName, data }, metadata, buffers);
  return comm;
}

/** Registers what runs when a frontend opens a comm to `targetName`; returns a function that unregisters it. */
export function registerCommTarget(targetName: string, handler: CommTargetHandler): () => void {
  targets.set(targetName, handler);
  return () => {
    if (targets.get(targetName) === handler) targets.delete(targetName);
  };
}

/** The open comms, as `comm_info_reply` lists them: `{ [comm_id]: { target_name } }`, of one target if given. */
export function commInfo(targetName?: string): Record<string, { target_name: string }> {
  const info: Record<string, { target_name: string }> = {};
  for (const comm of comms.values()) {
    if (targetName === undefined || comm.targetName === targetName) info[comm.id] = { target_name: comm.targetName };
  }
  return info;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * A comm message that arrived on shell, from the host. A message for an unknown comm is dropped (the frontend
 * may race a close); one whose handler throws is reported to the caller, which logs it.
 */
export function receiveComm(
  type: 'comm_open' | 'comm_msg' | 'comm_close',
  content: Record<string, unknown>,
  metadata: Record<string, unknown>,
  buffers: readonly Uint8Array[],
): void {
  const id = text(content['comm_id']);
  const message: CommMessage = { data: record(content['data']), metadata, buffers };
  if (type === 'comm_open') {
    const targetName = text(content['target_name']);
    const handler = targets.get(targetName);
    if (!id || comms.has(id) || !handler || comms.size >= MAX_COMMS) {
      // ipykernel's answer to a target it does not have: close the frontend's end at once.
      if (id && !comms.has(id)) transport?.send('comm_close', { comm_id: id, data: {} }, {}, []);
      return;
    }
    const comm = new Comm(id, targetName);
    comms.set(id, comm);
    try {
      handler(comm, message);
    } catch (error) {
      // A comm its handler could not set up is closed (as ipykernel does), so the frontend's end does not wait on it.
      comm.close();
      throw error;
    }
  } else if (type === 'comm_msg') {
    comms.get(id)?.deliver(message);
  } else {
    comms.get(id)?.closedByFrontend(message);
  }
}
