/**
 * One notebook's inspector comm: follows the notebook's kernel (start, change, restart), opens the comm
 * `convlab.inspector` when that kernel is ConvLab's (kernel_info `implementation === 'convlab'`), keeps the last
 * `state` the kernel sent, and matches the answers to `featuremap` and `value` requests by id. With another
 * kernel it opens nothing and sends nothing.
 */
import type { ISessionContext } from '@jupyterlab/apputils';
import type { Kernel } from '@jupyterlab/services';
import type { IDisposable } from '@lumino/disposable';
import { Signal, type ISignal } from '@lumino/signaling';
import { CONVLAB_IMPLEMENTATION, INSPECTOR_TARGET, parseMessage, type FeatureMapAnswer, type InspectorState } from './messages';

/**
 * Where the connection stands: no kernel yet, another kernel, ConvLab's kernel while the comm opens (or the
 * kernel restarts), or open.
 */
export type ConnectionStatus = 'no-kernel' | 'other-kernel' | 'connecting' | 'open';

/** How long a request waits for its answer before it fails (the kernel may be busy running a long cell). */
export const REQUEST_TIMEOUT_MS = 60_000;

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The inspector comm of one notebook's session.
 *
 * @example
 * const connection = new InspectorConnection(panel.sessionContext);
 * connection.changed.connect(() => console.log(connection.status, connection.state?.tensors.length));
 * const answer = await connection.requestFeatureMap('y'); // { id, name: 'y', bundle: { data, metadata } }
 */
export class InspectorConnection implements IDisposable {
  private comm: Kernel.IComm | undefined;
  private kernel: Kernel.IKernelConnection | null = null;
  private current: ConnectionStatus = 'no-kernel';
  private last: InspectorState | undefined;
  private problem: string | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly changedSignal = new Signal<this, void>(this);
  private disposed = false;
  /** The kernel closed the comm before sending any state: wait for a restart or another kernel to try again. */
  private refused = false;
  /** kernel_info said this kernel is ConvLab's: only then is a comm (re)opened. */
  private convlab = false;

  constructor(readonly session: ISessionContext) {
    session.kernelChanged.connect(this.follow, this);
    session.statusChanged.connect(this.onStatus, this);
    void session.ready.then(() => this.follow());
  }

  /** Fires when the status, the state or the last problem changed. */
  get changed(): ISignal<this, void> {
    return this.changedSignal;
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  /** The last state the kernel sent since the comm opened; undefined before the first. */
  get state(): InspectorState | undefined {
    return this.last;
  }

  /** The last malformed message or failed open, for the panel to show; cleared by the next good state. */
  get error(): string | undefined {
    return this.problem;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The bundle `display(name)` would send, or the kernel's reason why not (in `error`). */
  requestFeatureMap(name: string): Promise<FeatureMapAnswer> {
    return this.request({ request: 'featuremap', name }) as Promise<FeatureMapAnswer>;
  }

  /** The exact value of map `map` of the displayed tensor `ref` at `[row, col]`; rejects with the kernel's reason. */
  async requestValue(ref: string, map: number, index: [number, number]): Promise<number> {
    const answer = (await this.request({ request: 'value', ref, map, index })) as { value?: number; error?: string };
    if (answer.value === undefined) throw new Error(answer.error ?? 'no value');
    return answer.value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.kernelChanged.disconnect(this.follow, this);
    this.session.statusChanged.disconnect(this.onStatus, this);
    // Through close(): the comm is forgotten before its close runs its onClose (JupyterLab runs it at once), and a
    // dead kernel's throwing close() does not keep the signals from being cleared.
    this.close('the notebook was closed');
    Signal.clearData(this);
  }

  private request(message: Record<string, unknown>): Promise<unknown> {
    const comm = this.comm;
    if (!comm || this.current !== 'open') return Promise.reject(new Error('no ConvLab kernel behind this notebook'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the kernel did not answer ${String(message['request'])} within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      comm.send({ ...message, id } as never);
    });
  }

  /** Fails every pending request (the comm is gone). */
  private drop(reason: string): void {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new Error(reason));
    }
    this.pending.clear();
  }

  private set(status: ConnectionStatus, state?: InspectorState): void {
    this.current = status;
    this.last = state;
    this.changedSignal.emit();
  }

  /** The session's kernel may have changed: close the old comm and open one on the new kernel if it is ConvLab's. */
  private async follow(): Promise<void> {
    const kernel = this.session.session?.kernel ?? null;
    // The same kernel again (session.ready and kernelChanged both report a new notebook's kernel): already followed.
    if (this.disposed || (kernel === this.kernel && this.current !== 'no-kernel')) return;
    this.close();
    this.kernel = kernel;
    this.refused = false;
    this.convlab = false;
    if (!kernel) {
      this.set('no-kernel');
      return;
    }
    this.set('connecting');
    let implementation: string;
    try {
      implementation = (await kernel.info).implementation;
    } catch (error) {
      implementation = '';
      this.problem = `no kernel info: ${error instanceof Error ? error.message : String(error)}`;
    }
    // The kernel may have changed again while its info was on the way.
    if (this.disposed || kernel !== this.kernel || kernel.isDisposed) return;
    if (implementation !== CONVLAB_IMPLEMENTATION) {
      this.set('other-kernel');
      return;
    }
    this.convlab = true;
    this.open(kernel);
  }

  private open(kernel: Kernel.IKernelConnection): void {
    const comm = kernel.createComm(INSPECTOR_TARGET);
    this.comm = comm;
    comm.onMsg = (msg) => {
      if (this.comm === comm) this.receive(msg.content.data);
    };
    comm.onClose = () => {
      if (this.comm !== comm) return;
      this.comm = undefined;
      this.drop('the kernel closed the inspector comm');
      // Closed before any state: this kernel has no inspector (an older ConvLab). Not reopened on every idle.
      if (this.current !== 'open') this.problem = 'the kernel refused the inspector comm';
      this.refused = this.current !== 'open';
      this.set('connecting');
    };
    // The kernel answers the open with a first state; until then the connection is 'connecting'.
    comm.open({});
  }

  /** Closes the comm (if any) and fails the requests waiting on it with `reason`. */
  private close(reason = 'the kernel changed'): void {
    const comm = this.comm;
    // Forgotten first: closing runs the comm's onClose, which then sees a comm that is no longer this one's.
    this.comm = undefined;
    this.drop(reason);
    if (comm && !comm.isDisposed) {
      try {
        comm.close();
      } catch {
        // A dead kernel's comm cannot send its close: forgetting it is all there is to do.
      }
    }
  }

  /** A restart drops the kernel's comms: reopen once it is back. */
  private onStatus(_: ISessionContext, status: Kernel.Status): void {
    if (this.disposed || !this.convlab) return;
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this.refused = false;
      this.close();
      this.set('connecting');
    } else if (status === 'idle' && !this.comm && !this.refused && this.kernel && !this.kernel.isDisposed) {
      this.open(this.kernel);
    }
  }

  private receive(data: unknown): void {
    const message = parseMessage(data);
    switch (message.event) {
      case 'state':
        this.problem = undefined;
        this.set('open', message.state);
        return;
      case 'featuremap':
      case 'value': {
        const pending = this.pending.get(message.answer.id);
        // An answer nobody waits for (timed out, or for a closed comm) is dropped.
        if (!pending) return;
        this.pending.delete(message.answer.id);
        clearTimeout(pending.timer);
        pending.resolve(message.answer);
        return;
      }
      case 'error': {
        const pending = message.id === undefined ? undefined : this.pending.get(message.id);
        if (pending) {
          this.pending.delete(message.id!);
          clearTimeout(pending.timer);
          pending.reject(new Error(message.error));
        } else {
          this.problem = `the kernel's inspector: ${message.error}`;
          this.changedSignal.emit();
        }
        return;
      }
      case 'invalid':
        console.warn('ConvLab: a malformed inspector message was ignored:', message.error);
        this.problem = `a malformed message from the kernel was ignored (${message.error})`;
        this.changedSignal.emit();
    }
  }
}
