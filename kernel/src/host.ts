/**
 * The Jupyter side of the ConvLab kernel: the only file that touches tslab's internals.
 *
 * tslab (pinned exactly in kernel/package.json, because `dist/converter`, `dist/executor` and `dist/jupyter`
 * are not a public API) gives the executor (type-check + run a cell), completion and inspection. The transport
 * is ConvLab's: shell, iopub and stdin here on the main thread, control and heartbeat on their own thread
 * (control.ts, so an interrupt_request stops even a synchronous loop), both over wire.ts:
 *
 * - every frame is validated before anything reads it, and every message's HMAC is checked in constant time
 *   with replays refused; a message that fails is dropped (the reason in the kernel's log) and the kernel goes
 *   on with the next one — no message can stop the shell queue;
 * - `execute_input`, `execute_result` (the rich bundle of a displayable value), iopub `error` with
 *   `ename`/`evalue`/`traceback` for type errors (line and column) and runtime exceptions — built from what
 *   tslab's executor hands its `console`: the last value raw, diagnostics as `("%s%d:%d - %s", …)`, exceptions
 *   as the thrown value, whatever it is (`errorContent`);
 * - after a failed cell only the requests already queued are aborted (ipykernel's rule), not tslab's
 *   200 ms window (tslab's `TaskQueue.reset(200)`, yunabe/tslab#19);
 * - comms (`comm_open`, `comm_msg`, `comm_close` from a frontend, handed to comm.ts; the kernel's own sent on
 *   iopub with buffers and metadata), which Jupyter widgets and ConvLab's JupyterLab plugin use;
 * - `kernel_info` with real versions and `status`, `is_complete` with `invalid`, `history`, `comm_info_reply`,
 *   `interrupt_request`, and a shutdown that answers before it closes.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as util from 'util';
import * as vm from 'vm';
import { createConverter, type Converter } from 'tslab/dist/converter';
import { createExecutor, type ConverterSet, type Executor } from 'tslab/dist/executor';
import * as jupyter from 'tslab/dist/jupyter';
import { startControlThread, type ControlEvent, type ControlThread } from './control';
import { messageFrames, parseMessage, PROTOCOL_VERSION, RefusedMessage, Signer, type Header, type Message, type SigningInfo } from './wire';

/** The largest message the kernel reads (bytes): far above any cell it runs, so an oversized cell is refused
 * with a reason (CodeTooLarge) while a flood of bytes is not read at all. */
const MAX_MESSAGE_BYTES = 256 * 2 ** 20;
/** The longest cell the kernel type-checks and runs, completes or inspects (characters). */
const MAX_CODE_CHARS = 1_000_000;

/** A Jupyter MIME bundle with its transient part (`display_id`). */
export interface OutputBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** What the ConvLab launcher gives the host. */
export interface KernelOptions {
  /** Path of the connection file Jupyter wrote. */
  connectionFile: string;
  /** Source run before the first cell; its declarations become typed locals of every cell. */
  prelude: string;
  /** The bundle of a cell's last value (`execute_result`). */
  formatResult: (value: unknown) => OutputBundle;
  /** A hint for a type-check diagnostic's text (e.g. "did you mean 'outChannels'?"), or undefined. */
  explainDiagnostic?: (diagnostic: string) => string | undefined;
  /** Where comm messages from a frontend go (`comm_open`, `comm_msg`, `comm_close`), and what `comm_info` lists. */
  comms?: {
    receive(type: CommType, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: readonly Uint8Array[]): void;
    info(targetName?: string): Record<string, { target_name: string }>;
  };
  /** Runs after every `execute_request` has been answered (ConvLab's plugin refreshes its tensor list then). */
  afterExecute?: () => void;
  /** Runs after an interrupt stopped a cell or a comm handler: resets what their skipped `finally` blocks would. */
  afterInterrupt?: () => void;
  /** Versions and links for `kernel_info_reply`. */
  implementation: { name: string; version: string; helpLinks: { text: string; url: string }[] };
}

/** The running kernel, as the launcher sees it. */
export interface KernelHost {
  /** Sends `display_data` (or `update_display_data`) into the cell that is running, or last ran. */
  sendDisplay(bundle: OutputBundle, update: boolean): void;
  /** Sends `clear_output` to that cell. */
  clearOutput(wait: boolean): void;
  /**
   * Publishes a comm message. Its parent is the comm message being handled, else the cell that runs or last
   * ran: a widget a cell makes is that cell's (nbclient saves widget state from its cell's messages).
   */
  sendComm(type: CommType, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: readonly Uint8Array[]): void;
  /** The notebook's top-level variables (tslab's locals), by name. */
  locals(): Readonly<Record<string, unknown>>;
  /** Runs a deferred library call (e.g. `interact`'s function) so that an interrupt stops it as it stops a cell. */
  runInterruptibly(call: () => void): void;
}

/** The three comm message types. */
export type CommType = 'comm_open' | 'comm_msg' | 'comm_close';
const COMM_TYPES: readonly string[] = ['comm_open', 'comm_msg', 'comm_close'];

type Socket = import('zeromq').Router | import('zeromq').Publisher;

/** The ZeroMQ binding tslab ships (and loads itself): the kernel uses the same one. */
const zmq = createRequire(require.resolve('tslab/package.json'))('zeromq') as typeof import('zeromq');

/** tslab's TypeScript fork: the compiler its converter type-checks cells with (TypeScript's API). */
const typescript = createRequire(require.resolve('tslab/package.json'))(
  '@tslab/typescript-for-tslab',
) as typeof import('typescript');
const TSLAB_VERSION = (require('tslab/package.json') as { version: string }).version;

/**
 * Lazily creates tslab's converters, as tslab's (unexported) `ConverterSetImpl` does, and replaces one that
 * tslab's watch host has wedged. tslab's converter drives TypeScript's watch program with a single fake timer
 * and throws "Unexpected pending rebuildTimer" when two are asked for: that happens for good once a module
 * that failed to resolve appears on disk (TypeScript's watcher of failed lookups asks for a timer of its own).
 * The converter holds no cell state (the executor hands it the previous declarations on every call), so a
 * fresh one, with fresh module resolution, converts the same cell.
 */
class Converters implements ConverterSet {
  private nodeConverter: Converter | undefined;
  private browserConverter: Converter | undefined;
  get node(): Converter {
    return (this.nodeConverter ??= this.recovering(false));
  }
  get browser(): Converter {
    return (this.browserConverter ??= this.recovering(true));
  }
  close(): void {
    this.nodeConverter?.close();
    this.browserConverter?.close();
  }

  private recovering(isBrowser: boolean): Converter {
    let converter = createConverter({ isJS: false, isBrowser });
    const wedged = (error: unknown): boolean => error instanceof Error && /rebuildTimer|clearing unexpected/.test(error.message);
    // Every call that updates the watch program can meet the wedge: each is retried once on a fresh converter.
    const again = <T>(call: (c: Converter) => T): T => {
      try {
        return call(converter);
      } catch (error) {
        if (!wedged(error)) throw error;
        safely(() => converter.close());
        converter = createConverter({ isJS: false, isBrowser });
        return call(converter);
      }
    };
    return {
      convert: (...args) => again((c) => c.convert(...args)),
      inspect: (...args) => again((c) => c.inspect(...args)),
      complete: (...args) => again((c) => c.complete(...args)),
      addModule: (...args) => again((c) => c.addModule(...args)),
      close: () => converter.close(),
    };
  }
}

/** One type-check diagnostic as the executor reports it. */
interface Diagnostic {
  file: string;
  line: number;
  column: number;
  text: string;
}

/** What the running cell has produced so far. */
interface CellRun {
  parent: Header;
  count: number;
  silent: boolean;
  diagnostics: Diagnostic[];
  exception: { value: unknown } | undefined;
}

/** Messages of the errors an interrupt ends a cell with: Node's `vm`, tslab's executor, and `execute`. */
const INTERRUPTED = ['Script execution was interrupted by `SIGINT`', 'Interrupted asynchronously', 'Interrupted before the cell ran'];

/**
 * Whether a thrown value is one of the errors an interrupt ends code with. By its message, not `instanceof`: Node
 * makes the `breakOnSigint` error in the realm of the interrupted script, whose `Error` is not this one.
 */
const isInterrupt = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && INTERRUPTED.includes(String(safely(() => (value as Error).message)));

/**
 * Runs `call` so that SIGINT stops it (Node's `breakOnSigint` covers everything a script calls): how a comm
 * handler — a widget's observer, `interact`'s function — is interrupted like a cell, even in a synchronous loop.
 */
const callScript = new vm.Script('call()');
const callContext = vm.createContext({ call: undefined as (() => void) | undefined });
function interruptibly(call: () => void): void {
  callContext['call'] = call;
  try {
    callScript.runInContext(callContext, { breakOnSigint: true });
  } finally {
    callContext['call'] = undefined;
  }
}

/** Longest `evalue` and traceback line sent: a thrown value may print as megabytes. */
const MAX_ERROR_TEXT = 4_000;

/** Reads a property of a thrown value that may be a Proxy or have throwing getters; `undefined` if it throws. */
function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** A thrown value printed for a person, never throwing and bounded (`util.inspect`, else its tag). */
function printThrown(value: unknown): string {
  const text =
    safely(() => util.inspect(value, { showProxy: true, depth: 2, maxArrayLength: 20, maxStringLength: MAX_ERROR_TEXT, breakLength: 100 })) ??
    safely(() => Object.prototype.toString.call(value)) ??
    '[a value that cannot be printed]';
  return bounded(text);
}

/** The reply of a request whose handler failed (ipykernel's shape: status error, ename, evalue, traceback). */
function failedReply(error: unknown): Record<string, unknown> {
  const { ename, evalue, traceback } = errorContent('', { diagnostics: [], exception: { value: error } });
  return { status: 'error', ename, evalue, traceback };
}

const bounded = (text: string): string => (text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}… (${text.length} characters)` : text);

/** A property as text if it is a string (or a number, boolean, bigint), else `undefined`. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Stack frames worth showing: not Node's internals, tslab's wrapper or this file, and not the library's own
 * (`kernel/dist`, or its installed copy) unless `CONVLAB_TRACEBACK=full` is set in the kernel's environment (or
 * by a cell: `process.env.CONVLAB_TRACEBACK = 'full'`), for debugging the library itself.
 */
function userFrames(stack: string): string[] {
  const full = process.env['CONVLAB_TRACEBACK'] === 'full';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .filter((line) => full || !/node:internal|node:vm|tslab[/\\]dist|[/\\]host\.js|[/\\](kernel|node)[/\\]dist[/\\]/.test(line))
    .slice(0, 50)
    .map(bounded);
}

/**
 * The iopub `error` content (and the error reply's fields) for a failed cell: the one place that turns any
 * diagnostic or thrown value into a valid message — `ename` and `evalue` are always strings, and nothing read
 * from the thrown value (a Proxy, a throwing `stack` getter, a `name` that is an object) can make it throw.
 */
export function errorContent(
  code: string,
  run: Pick<CellRun, 'diagnostics' | 'exception'>,
  explain: (diagnostic: string) => string | undefined = () => undefined,
): { ename: string; evalue: string; traceback: string[] } {
  const red = (text: string): string => `\u001b[31m${text}\u001b[0m`;
  if (run.diagnostics.length > 0) {
    const lines = code.split('\n');
    const where = (d: Diagnostic): string => `line ${d.line}, column ${d.column}`;
    const hints = run.diagnostics.map((d) => safely(() => explain(d.text)));
    const withHint = (d: Diagnostic, i: number): string => (hints[i] ? `${d.text} Hint: ${hints[i]}` : d.text);
    const first = run.diagnostics[0]!;
    const more = run.diagnostics.length > 1 ? ` (and ${run.diagnostics.length - 1} more)` : '';
    // The one-line summary carries a hint even when it belongs to a later diagnostic (TypeScript reports
    // "not assignable to type …" before the "does not exist in type …" that names the key).
    const hint = hints.find((h) => h !== undefined);
    return {
      ename: 'TSError',
      evalue: `${where(first)}: ${first.text}${more}${hint ? ` Hint: ${hint}` : ''}`,
      traceback: run.diagnostics.flatMap((d, i) => {
        const source = lines[d.line - 1];
        const gutter = `${d.line} | `;
        return [
          `${red('TSError')} at ${where(d)}: ${withHint(d, i)}`,
          ...(d.file === '' && source !== undefined
            ? [`  ${gutter}${source}`, `  ${' '.repeat(gutter.length + d.column - 1)}${red('^')}`]
            : []),
        ];
      }),
    };
  }
  const value = run.exception?.value;
  const errorLike = safely(() => value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value)) === true;
  if (errorLike) {
    const error = value as Record<string, unknown>;
    const name = textOf(safely(() => error['name'])) || 'Error';
    const message = textOf(safely(() => error['message'])) ?? printThrown(safely(() => error['message']));
    const interrupted = name === 'Error' && INTERRUPTED.includes(message);
    const ename = bounded(interrupted ? 'Interrupted' : name);
    const evalue = bounded(message);
    // A library error's message names the op, the argument, the shapes and a hint: frames would only add noise
    // (the cell's own frames count lines of tslab's wrapped code, not the cell's).
    const stack = ename === 'ConvLabError' && process.env['CONVLAB_TRACEBACK'] !== 'full' ? '' : textOf(safely(() => error['stack'])) ?? '';
    return { ename, evalue, traceback: [`${red(ename)}: ${evalue}`, ...userFrames(stack)] };
  }
  const text = printThrown(value);
  return { ename: 'Error', evalue: `thrown: ${text}`, traceback: [`${red('Uncaught')} ${text}`] };
}

/**
 * tslab rewrites a name declared in an earlier cell to `exports.name`, but not inside a shorthand property, so
 * `{ seed }` fails at run time with "seed is not defined". The cell runs with every shorthand property spelled
 * out (`{ seed: seed }`, and `{ a = 1 }` in a destructuring as `{ a: a = 1 }`: the same meaning);
 * `locate` maps a 1-based line and column in the run code back to the user's code, for diagnostics.
 * @example expandShorthand('f({ seed, n: 2 })').code; // 'f({ seed: seed, n: 2 })'
 */
export function expandShorthand(code: string): { code: string; locate(line: number, column: number): { line: number; column: number } } {
  const source = typescript.createSourceFile('cell.ts', code, typescript.ScriptTarget.Latest, true);
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: import('typescript').Node): void => {
    if (typescript.isShorthandPropertyAssignment(node)) inserts.push({ at: node.name.end, text: `: ${node.name.text}` });
    typescript.forEachChild(node, visit);
  };
  visit(source);
  if (inserts.length === 0) return { code, locate: (line, column) => ({ line, column }) };
  let expanded = code;
  for (const { at, text } of [...inserts].reverse()) expanded = expanded.slice(0, at) + text + expanded.slice(at);
  const lineStarts = (text: string): number[] => [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
  const [runStarts, userStarts] = [lineStarts(expanded), lineStarts(code)];
  return {
    code: expanded,
    locate(line, column) {
      let offset = (runStarts[line - 1] ?? 0) + column - 1;
      // Undo the insertions before this point (an offset inside one maps to where it was inserted).
      let shift = 0;
      for (const { at, text } of inserts) {
        const runAt = at + shift;
        if (offset < runAt) break;
        shift += text.length;
        if (offset < runAt + text.length) offset = runAt + text.length;
      }
      const userOffset = offset - shift;
      const userLine = userStarts.filter((start) => start <= userOffset).length;
      return { line: userLine, column: userOffset - userStarts[userLine - 1]! + 1 };
    },
  };
}

/**
 * `is_complete`, for console frontends, in linear time (tslab's own check runs regular expressions that take
 * seconds on a few thousand blank lines): code that ends with a blank line is complete (Enter twice runs it);
 * code whose only parse errors are "… expected" at its very end is incomplete, with the next line's indent;
 * any other syntax error is invalid.
 * @example isComplete('function f() {'); // { status: 'incomplete', indent: '  ' }
 */
export function isComplete(code: string): Record<string, unknown> {
  let end = code.length;
  let newlines = 0;
  while (end > 0 && /\s/.test(code[end - 1]!)) if (code[--end] === '\n') newlines++;
  if (newlines >= 2 || (newlines >= 1 && end === 0)) return { status: 'complete' };
  const source = typescript.createSourceFile('cell.tsx', code, typescript.ScriptTarget.Latest, false, typescript.ScriptKind.TSX);
  const parse = (source as unknown as { parseDiagnostics?: import('typescript').Diagnostic[] }).parseDiagnostics ?? [];
  const atEnd = (d: import('typescript').Diagnostic): boolean =>
    d.start === code.length && d.length === 0 && typeof d.messageText === 'string' && d.messageText.endsWith(' expected.');
  if (parse.length > 0 && parse.every(atEnd)) {
    const lastLine = code.slice(code.lastIndexOf('\n') + 1);
    const indent = lastLine.slice(0, lastLine.length - lastLine.trimStart().length);
    return { status: 'incomplete', indent: /[{([]\s*$/.test(lastLine.slice(-200)) ? `${indent}  ` : indent };
  }
  const { diagnostics } = typescript.transpileModule(code, { reportDiagnostics: true, compilerOptions: {} });
  return { status: parse.length > 0 || (diagnostics && diagnostics.length > 0) ? 'invalid' : 'complete' };
}

/**
 * Whether `text` matches a history search pattern (`*` any run, `?` one character): the classic two-pointer
 * match that backtracks only to the last `*`, so at worst pattern × text steps (a regular expression made from
 * the pattern backtracks exponentially: minutes on `*a*a*a*a*a*a*a*a*!`).
 * @example globMatch('conv*(x*', 'conv2d(x, w)'); // true
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** What the connection file says: where to bind, and how to sign. */
interface ConnectionInfo extends SigningInfo {
  transport: string;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

/**
 * The message-level kernel on the main thread: shell, iopub and stdin (control and heartbeat answer from their
 * own thread, control.ts, so that they work while a cell runs synchronous code).
 */
class ConvLabServer {
  private readonly tslab: jupyter.JupyterHandlerImpl;
  private readonly connection: ConnectionInfo;
  private readonly signer: Signer;
  private readonly session = crypto.randomUUID();
  // Linger as ipykernel's: exiting never waits for ever on messages to a client that is gone. A message
  // beyond MAX_MESSAGE_BYTES is refused by ZeroMQ itself (it drops that peer) before it is read into memory.
  private readonly iopub = new zmq.Publisher({ linger: 1_000 });
  private readonly shell = new zmq.Router({ linger: 1_000, maxMessageSize: MAX_MESSAGE_BYTES });
  private readonly stdin = new zmq.Router({ linger: 1_000, maxMessageSize: MAX_MESSAGE_BYTES });
  private control: ControlThread | undefined;
  private readonly sending = new Map<Socket, Promise<void>>();
  /** Shell requests run one at a time, in arrival order; `received` numbers them. */
  private shellQueue: Promise<void> = Promise.resolve();
  private received = 0;
  /** Execute requests numbered up to this one are aborted: they were queued when a cell failed. */
  private abortThrough = 0;
  private executionCount = 0;
  /** Set by an interrupt that came while the cell waited to start; the cell then does not run. */
  private interruptPending = false;
  private readonly history: [number, number, string][] = [];
  private run: CellRun | undefined;
  /** The shell number of the running cell (0: none), as control.ts targets it. */
  private runNumber = 0;
  /** Set by a shutdown: no request starts after it. */
  private closing = false;
  private readonly writeErr = process.stderr.write.bind(process.stderr);

  constructor(
    private readonly executor: Executor,
    private readonly options: KernelOptions,
  ) {
    this.tslab = new jupyter.JupyterHandlerImpl(executor, false);
    this.connection = JSON.parse(fs.readFileSync(options.connectionFile, 'utf8')) as ConnectionInfo;
    this.signer = new Signer(this.connection.key, this.connection.signature_scheme || 'hmac-sha256');
  }

  /** The kernel's own log: the original stderr, never a cell's output. */
  log(text: string): void {
    this.writeErr(`convlab kernel: ${text}\n`);
  }

  /** Binds every socket where the connection file says, and starts serving. */
  async init(): Promise<void> {
    const { transport, ip } = this.connection;
    const address = (port: number): string => `${transport}://${ip}:${port}`;
    await Promise.all([
      this.iopub.bind(address(this.connection.iopub_port)),
      this.shell.bind(address(this.connection.shell_port)),
      this.stdin.bind(address(this.connection.stdin_port)),
    ]);
    this.control = await startControlThread(this.connection, this.session, this.kernelInfo(), (event) => this.onControl(event));
    // As ipykernel does once its sockets are up: a frontend that is already subscribed (a restart) learns that
    // the new kernel is there before it asks anything.
    this.publish('status', { execution_state: 'starting' }, {});
    void this.serve(this.shell, (frames) => this.receive(frames));
    // The kernel never asks for input, so nothing on stdin is awaited: whatever comes is read and dropped.
    void this.serve(this.stdin, () => this.log('dropped a message on stdin: the kernel asks for no input'));
  }

  private async serve(socket: import('zeromq').Router, take: (frames: Buffer[]) => void): Promise<void> {
    try {
      for await (const frames of socket) take(frames);
    } catch (error) {
      this.log(`a socket loop stopped: ${String(error)}`);
    }
  }

  /** A shell message: validated (or dropped with the reason logged), then queued behind the ones before it. */
  private receive(frames: Buffer[]): void {
    let message: Message;
    try {
      message = parseMessage(frames, this.signer);
    } catch (error) {
      this.log(`dropped a shell message: ${error instanceof RefusedMessage ? error.message : String(error)}`);
      return;
    }
    const number = ++this.received;
    // One request's failure must never stop the queue.
    this.shellQueue = this.shellQueue
      .then(() => this.handle(message, number))
      .catch((error: unknown) => this.log(`failed to handle ${message.header.msg_type}: ${printThrown(error)}`));
  }

  /** What the control thread hands over: every control request's status, and the requests it left to us. */
  private onControl(event: ControlEvent): void {
    if (event.kind === 'log') return this.log(event.text ?? '');
    const message = event.message!;
    if (event.kind === 'shutdown') return void this.shutdown(message).catch((error: unknown) => this.log(`shutdown failed: ${String(error)}`));
    this.publish('status', { execution_state: 'busy' }, message.header);
    // Elsewhere the control thread's SIGINT does it (control.ts).
    if (event.kind === 'interrupt' && process.platform === 'win32') this.interrupt();
    if (event.kind === 'request') {
      let content: Record<string, unknown> | undefined;
      try {
        content = this.answer(message);
        if (!content) this.log(`unknown control message type ${message.header.msg_type}`);
      } catch (error) {
        this.log(`failed to handle ${message.header.msg_type}: ${printThrown(error)}`);
        content = failedReply(error);
      }
      this.control?.reply(message, content);
    }
    this.publish('status', { execution_state: 'idle' }, message.header);
  }

  private async handle(message: Message, number: number): Promise<void> {
    const type = message.header.msg_type;
    // Nothing new starts once a shutdown is under way.
    if (this.closing) return;
    this.publish('status', { execution_state: 'busy' }, message.header);
    try {
      if (type === 'execute_request') {
        await this.execute(message, number);
        this.afterExecute();
      } else if (COMM_TYPES.includes(type)) await this.receiveComm(message);
      else if (type === 'shutdown_request') {
        this.reply(this.shell, message, { status: 'ok', restart: message.content['restart'] === true });
        return await this.shutdown(message);
      } else {
        const content = this.answer(message);
        if (content) this.reply(this.shell, message, content);
        else this.log(`unknown message type ${type}`);
      }
    } catch (error) {
      // A request whose handler failed still gets its reply, as ipykernel answers: status error (comm messages
      // and execute_request have none to send here).
      this.log(`failed to handle ${type}: ${printThrown(error)}`);
      if (type !== 'execute_request' && !COMM_TYPES.includes(type)) this.reply(this.shell, message, failedReply(error));
    } finally {
      this.publish('status', { execution_state: 'idle' }, message.header);
    }
  }

  /** The reply content of every request that needs no cell run; `undefined` for unknown types. */
  private answer(message: Message): Record<string, unknown> | undefined {
    const content = message.content;
    const code = typeof content['code'] === 'string' ? content['code'] : '';
    const type = message.header.msg_type;
    if (code.length > MAX_CODE_CHARS && ['is_complete_request', 'complete_request', 'inspect_request'].includes(type)) {
      throw new Error(`the code has ${code.length} characters; the kernel reads at most ${MAX_CODE_CHARS}`);
    }
    // The cursor as TypeScript's services need it: an integer inside the code (a client may send anything).
    const raw = Number(content['cursor_pos'] ?? code.length);
    const cursor_pos = Number.isFinite(raw) ? Math.min(code.length, Math.max(0, Math.trunc(raw))) : code.length;
    switch (type) {
      case 'kernel_info_request':
        return this.kernelInfo();
      case 'is_complete_request':
        return isComplete(code);
      case 'complete_request':
        return { ...this.tslab.handleComplete({ code, cursor_pos } as never) };
      case 'inspect_request':
        return { ...this.tslab.handleInspect({ code, cursor_pos, detail_level: content['detail_level'] === 1 ? 1 : 0 } as never) };
      case 'history_request':
        return { status: 'ok', history: this.historyFor(content) };
      case 'comm_info_request': {
        const target = typeof content['target_name'] === 'string' ? content['target_name'] : undefined;
        return { status: 'ok', comms: this.options.comms?.info(target) ?? {} };
      }
      case 'interrupt_request':
        // On shell (old clients): it can only arrive while no synchronous code runs.
        this.interrupt();
        return { status: 'ok' };
      default:
        return undefined;
    }
  }

  private kernelInfo(): Record<string, unknown> {
    const { name, version, helpLinks } = this.options.implementation;
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: name,
      implementation_version: version,
      language_info: {
        name: 'typescript',
        version: typescript.version,
        mimetype: 'text/typescript',
        file_extension: '.ts',
        pygments_lexer: 'typescript',
        // tslab's value: it turns on TypeScript highlighting in JupyterLab and the classic notebook.
        codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
      },
      banner: `ConvLab ${version} (tslab ${TSLAB_VERSION}, TypeScript ${typescript.version}, Node ${process.version})`,
      help_links: helpLinks,
      debugger: false,
    };
  }

  private historyFor(content: Record<string, unknown>): unknown[] {
    const output = content['output'] === true;
    const entry = ([session, line, input]: [number, number, string]): unknown[] =>
      output ? [session, line, [input, null]] : [session, line, input];
    let rows = this.history;
    if (content['hist_access_type'] === 'tail') rows = rows.slice(-Math.max(0, Number(content['n'] ?? 10)));
    else if (content['hist_access_type'] === 'range') {
      const start = Number(content['start'] ?? 0);
      const stop = Number(content['stop'] ?? Infinity) || Infinity;
      rows = rows.filter(([, line]) => line >= start && line < stop);
    } else if (content['hist_access_type'] === 'search') {
      const glob = typeof content['pattern'] === 'string' ? content['pattern'].slice(0, 1_000) : '*';
      rows = rows.filter(([, , input]) => globMatch(glob, input));
      if (content['unique'] === true) {
        // The latest of each input, in order: one pass from the end.
        const seen = new Set<string>();
        const latest: typeof rows = [];
        for (let i = rows.length - 1; i >= 0; i--) {
          const row = rows[i]!;
          if (!seen.has(row[2])) latest.push(row), seen.add(row[2]);
        }
        rows = latest.reverse();
      }
      if (content['n'] !== undefined && content['n'] !== null) rows = rows.slice(-Number(content['n']));
    }
    return rows.map(entry);
  }

  private async execute(message: Message, number: number): Promise<void> {
    const code = typeof message.content['code'] === 'string' ? message.content['code'] : '';
    const silent = message.content['silent'] === true;
    const storeHistory = !silent && message.content['store_history'] !== false;
    if (number <= this.abortThrough) {
      this.reply(this.shell, message, { status: 'aborted', execution_count: this.executionCount });
      return;
    }
    if (code.length > MAX_CODE_CHARS) {
      // Type-checking grows with the cell: a data dump pasted into one would hold the kernel for minutes.
      const error = {
        ename: 'CodeTooLarge',
        evalue: `the cell has ${code.length} characters; the kernel runs cells of at most ${MAX_CODE_CHARS}`,
        traceback: [`CodeTooLarge: the cell has ${code.length} characters; the kernel runs cells of at most ${MAX_CODE_CHARS}. Hint: load big data from a file (fs.readFileSync) instead of pasting it into a cell.`],
      };
      if (!silent) this.publish('error', error, message.header);
      this.reply(this.shell, message, { status: 'error', execution_count: this.executionCount, ...error });
      return;
    }
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    // Running from here on, for control.ts: an interrupt that comes while the cell is parsed stops it too.
    this.runNumber = number;
    this.control?.running(number);
    if (!silent) this.publish('execute_input', { code, execution_count: count }, message.header);
    if (storeHistory) this.history.push([1, count, code]);
    const run: CellRun = { parent: message.header, count, silent, diagnostics: [], exception: undefined };
    const shorthand = expandShorthand(code);
    this.routeOutput(message.header);
    this.run = run;
    let ok = false;
    try {
      // Out before the code runs: a synchronous loop would hold `busy` and `execute_input` back until it ends.
      await Promise.all(this.sending.values());
      if (this.interruptPending) throw new Error(INTERRUPTED[2]);
      ok = await this.executor.execute(shorthand.code);
    } catch (error) {
      // An interrupt that came before the code ran.
      run.exception = { value: error };
    } finally {
      this.control?.running(0);
      this.runNumber = 0;
      this.run = undefined;
      this.interruptPending = false;
    }
    if (isInterrupt(run.exception?.value)) this.recover();
    if (ok && !run.exception) {
      this.reply(this.shell, message, { status: 'ok', execution_count: count, payload: [], user_expressions: {} });
      return;
    }
    run.diagnostics = run.diagnostics.map((d) => (d.file === '' ? { ...d, ...shorthand.locate(d.line, d.column) } : d));
    const error = errorContent(code, run, this.options.explainDiagnostic);
    if (!silent) this.publish('error', error, message.header);
    if (message.content['stop_on_error'] !== false) {
      // ipykernel's rule: abort what was already sent when the cell failed. Let the socket loop take in
      // the frames that are already waiting, then draw the line.
      await new Promise((resolve) => setImmediate(resolve));
      this.abortThrough = this.received;
    }
    this.reply(this.shell, message, { status: 'error', execution_count: count, ...error });
  }

  /** Cell output: stdout/stderr go to the cell that runs (and stay with it afterwards, as in ipykernel). */
  private routeOutput(parent: Header): void {
    const stream = (name: 'stdout' | 'stderr') => (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      this.publish('stream', { name, text }, parent);
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    };
    process.stdout.write = stream('stdout') as typeof process.stdout.write;
    process.stderr.write = stream('stderr') as typeof process.stderr.write;
    (jupyter as unknown as { lastWriteDisplayData: unknown }).lastWriteDisplayData = (data: OutputBundle, update: boolean) =>
      this.publishDisplay(data, update, parent);
    this.displayParent = parent;
  }

  private displayParent: Header | undefined;
  /** The comm message being handled: what the kernel sends meanwhile answers it. */
  private commParent: Header | undefined;

  /**
   * A comm message from a frontend, handed to the library (comms have no reply; busy/idle frame them). Its
   * handlers run as a cell does for an interrupt: marked running for control.ts, and stoppable by SIGINT.
   */
  private async receiveComm(message: Message): Promise<void> {
    // `busy` out first, as for a cell: a handler in a synchronous loop would hold it back.
    await Promise.all(this.sending.values());
    this.commParent = message.header;
    try {
      this.runInterruptibly(() => this.options.comms?.receive(message.header.msg_type as CommType, message.content, message.metadata, message.buffers));
    } finally {
      this.commParent = undefined;
    }
  }

  /**
   * Runs `call` stoppable by an interrupt: marked running for control.ts (unless a cell or handler already is)
   * and under `breakOnSigint`. An interrupt ends it quietly (a comm has no reply to carry an error) and the
   * library resets what the skipped `finally` blocks would have.
   */
  runInterruptibly(call: () => void): void {
    const own = this.runNumber === 0;
    // A number of its own, so that a stale signal for an earlier request stops nothing here.
    if (own) this.control?.running((this.runNumber = ++this.received));
    try {
      interruptibly(call);
    } catch (error) {
      if (!isInterrupt(error)) throw error;
      this.log('interrupted a comm handler or widget callback');
      this.recover();
    } finally {
      if (own) {
        this.control?.running(0);
        this.runNumber = 0;
      }
    }
  }

  private recover(): void {
    try {
      this.options.afterInterrupt?.();
    } catch (error) {
      this.log(`afterInterrupt failed: ${printThrown(error)}`);
    }
  }

  sendComm(type: CommType, content: Record<string, unknown>, metadata: Record<string, unknown>, buffers: readonly Uint8Array[]): void {
    this.publish(type, content, this.commParent ?? this.run?.parent ?? this.displayParent ?? {}, metadata, buffers);
  }

  locals(): Readonly<Record<string, unknown>> {
    return this.executor.locals;
  }

  private afterExecute(): void {
    try {
      this.options.afterExecute?.();
    } catch (error) {
      this.log(`afterExecute failed: ${printThrown(error)}`);
    }
  }

  sendDisplay(bundle: OutputBundle, update: boolean): void {
    if (!this.displayParent) throw new Error('display: no cell has run yet, so there is no output to display into');
    this.publishDisplay(bundle, update, this.displayParent);
  }

  clearOutput(wait: boolean): void {
    if (this.displayParent) this.publish('clear_output', { wait }, this.displayParent);
  }

  private publishDisplay(bundle: OutputBundle, update: boolean, parent: Header): void {
    this.publish(update ? 'update_display_data' : 'display_data', { data: bundle.data, metadata: bundle.metadata, transient: bundle.transient ?? {} }, parent);
  }

  /**
   * Stops the running cell (SIGINT, which is also how control.ts carries out an `interrupt_request`). An
   * awaiting cell ends through `executor.interrupt()`; synchronous code ends by the signal itself while it runs
   * inside the executor's `vm` call (`breakOnSigint`). A signal that arrives while the cell waits to start is
   * remembered, and the cell does not run. One that lands during the cell's type-check is only queued by Node
   * (interrupting the type-check itself would corrupt tslab's converter): control.ts repeats it until the cell
   * ends, so the next one stops the code as soon as it runs.
   */
  interrupt(): void {
    if (this.control?.isStale(this.runNumber)) return;
    this.executor.interrupt();
    if (this.run) this.interruptPending = true;
  }

  /** The executor's `console`: how tslab hands over the last value, diagnostics and exceptions. */
  readonly executorConsole = {
    log: (...args: unknown[]): void => {
      const run = this.run;
      if (!run || args.length !== 1) return void safely(() => console.log(...args));
      if (run.silent) return;
      try {
        // formatResult validates the bundle (or throws, and the cell fails with that error).
        const bundle = this.options.formatResult(args[0]);
        this.publish('execute_result', { execution_count: run.count, data: bundle.data, metadata: bundle.metadata }, run.parent);
      } catch (error) {
        run.exception = { value: error };
      }
    },
    error: (...args: unknown[]): void => {
      const run = this.run;
      if (run && args[0] === '%s%d:%d - %s' && args.length === 5) {
        const [, file, line, column, text] = args;
        run.diagnostics.push({ file: String(file).trim(), line: Number(line), column: Number(column), text: String(text) });
      } else if (run && args.length === 1) {
        run.exception = { value: args[0] };
      } else {
        safely(() => console.error(...args));
      }
    },
  };

  /** Ends the kernel after a shutdown_request (already answered, on the channel it came on). */
  private async shutdown(message: Message): Promise<void> {
    this.closing = true;
    try {
      this.publish('status', { execution_state: 'idle' }, message.header);
      await Promise.race([Promise.all(this.sending.values()), new Promise((resolve) => setTimeout(resolve, 2_000))]);
      // The control thread closes its sockets first: ZeroMQ aborts a process that exits while a thread holds some.
      await this.control?.close();
      safely(() => this.executor.close());
      for (const socket of [this.iopub, this.shell, this.stdin]) safely(() => socket.close());
    } finally {
      process.exit(0);
    }
  }

  private reply(sock: import('zeromq').Router, request: Message, content: Record<string, unknown>): void {
    const type = request.header.msg_type.replace(/_request$/, '_reply');
    this.send(sock, request.identities, type, content, request.header);
  }

  private publish(
    type: string,
    content: Record<string, unknown>,
    parent: Header | Record<string, never>,
    metadata: Record<string, unknown> = {},
    buffers: readonly Uint8Array[] = [],
  ): void {
    this.send(this.iopub, [Buffer.from(`kernel.${this.session}.${type}`)], type, content, parent, metadata, buffers);
  }

  /** Signs and sends; sends on one socket are chained, since a zeromq socket takes one pending send at a time. */
  private send(
    sock: Socket,
    identities: Buffer[],
    type: string,
    content: Record<string, unknown>,
    parent: Header | Record<string, never>,
    metadata: Record<string, unknown> = {},
    buffers: readonly Uint8Array[] = [],
  ): void {
    let frames: (Buffer | string)[];
    try {
      frames = messageFrames(this.signer, this.session, identities, type, content, parent, metadata, buffers);
    } catch (error) {
      // Content that is not JSON (a BigInt, a cycle) never reaches a socket half-written.
      this.log(`could not encode ${type}: ${printThrown(error)}`);
      return;
    }
    const previous = this.sending.get(sock) ?? Promise.resolve();
    const next = previous
      .then(() => sock.send(frames))
      .catch((error: unknown) => this.log(`could not send ${type}: ${String(error)}`));
    this.sending.set(sock, next);
  }
}

/**
 * Starts the kernel: runs the prelude, then serves on the connection file's sockets until shutdown.
 * Returns once the sockets are bound.
 */
export async function startKernel(options: KernelOptions): Promise<KernelHost> {
  let server: ConvLabServer | undefined;
  const executor = createExecutor(process.cwd(), new Converters(), {
    log: (...args: unknown[]) => server?.executorConsole.log(...args),
    error: (...args: unknown[]) => (server ? server.executorConsole.error(...args) : console.error(...args)),
  });
  server = new ConvLabServer(executor, options);
  // The prelude runs before any cell, outside a cell run: its diagnostics go to the kernel's log.
  const diagnostics: string[] = [];
  const preludeConsole = server.executorConsole.error;
  (server.executorConsole as { error: (...args: unknown[]) => void }).error = (...args) =>
    diagnostics.push(util.format(...args));
  const loaded = await executor.execute(options.prelude);
  (server.executorConsole as { error: (...args: unknown[]) => void }).error = preludeConsole;
  if (!loaded) throw new Error(`the prelude failed:\n${diagnostics.join('\n')}`);
  process.on('SIGINT', () => server?.interrupt());
  // Errors of callbacks that outlive their cell: shown in the cell that ran last (its stderr), as tslab does.
  process.on('uncaughtException', (error) => safely(() => console.error('Uncaught exception:', error)));
  process.on('unhandledRejection', (reason) => safely(() => console.error('Unhandled promise rejection:', reason)));
  await server.init();
  const bound = server;
  return {
    sendDisplay: (bundle, update) => bound.sendDisplay(bundle, update),
    clearOutput: (wait) => bound.clearOutput(wait),
    sendComm: (type, content, metadata, buffers) => bound.sendComm(type, content, metadata, buffers),
    locals: () => bound.locals(),
    runInterruptibly: (call) => bound.runInterruptibly(call),
  };
}
