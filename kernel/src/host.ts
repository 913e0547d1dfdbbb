/**
 * The Jupyter side of the ConvLab kernel: the only file that touches tslab's internals.
 *
 * tslab (pinned exactly in kernel/package.json, because `dist/converter`, `dist/executor` and `dist/jupyter`
 * are not a public API) gives the executor (type-check + run a cell), completion and inspection, and the
 * ZeroMQ transport (`ZmqServer.init` binds the five sockets exactly where the connection file says, and
 * answers heartbeats). Everything at the message level is done here instead, in a `ZmqServer` subclass:
 *
 * - every message's HMAC is checked in constant time (`crypto.timingSafeEqual`), and replays are refused; a
 *   message that fails is dropped before anything runs;
 * - `execute_input`, `execute_result` (the rich bundle of a displayable value), iopub `error` with
 *   `ename`/`evalue`/`traceback` for type errors (line and column) and runtime exceptions — built from what
 *   tslab's executor hands its `console`: the last value raw, diagnostics as `("%s%d:%d - %s", …)`, exceptions
 *   as the thrown value;
 * - after a failed cell only the requests already queued are aborted (ipykernel's rule), not tslab's
 *   200 ms window (tslab's `TaskQueue.reset(200)`, yunabe/tslab#19);
 * - `kernel_info` with real versions and `status`, `is_complete` with `invalid`, `history`, `comm_info_reply`,
 *   `interrupt_request`, and a shutdown that answers before it closes.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as util from 'util';
import { createConverter, type Converter } from 'tslab/dist/converter';
import { createExecutor, type ConverterSet, type Executor } from 'tslab/dist/executor';
import * as jupyter from 'tslab/dist/jupyter';

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
  /** Versions and links for `kernel_info_reply`. */
  implementation: { name: string; version: string; helpLinks: { text: string; url: string }[] };
}

/** The running kernel, as the launcher sees it. */
export interface KernelHost {
  /** Sends `display_data` (or `update_display_data`) into the cell that is running, or last ran. */
  sendDisplay(bundle: OutputBundle, update: boolean): void;
  /** Sends `clear_output` to that cell. */
  clearOutput(wait: boolean): void;
}

type Socket = jupyter.ZmqServer['shell'];
type Header = Record<string, unknown> & { msg_id: string; msg_type: string; session: string };

/** A parsed, verified wire message. */
interface Message {
  identities: Buffer[];
  header: Header;
  parent: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

const DELIMITER = Buffer.from('<IDS|MSG>');
const PROTOCOL_VERSION = '5.3';
/** Signatures already seen; a message replayed with one of them is refused (as jupyter_client's Session does). */
const MAX_REMEMBERED_SIGNATURES = 10_000;

/** tslab's TypeScript fork: the compiler its converter type-checks cells with (TypeScript's API). */
const typescript = createRequire(require.resolve('tslab/package.json'))(
  '@tslab/typescript-for-tslab',
) as typeof import('typescript');
const TSLAB_VERSION = (require('tslab/package.json') as { version: string }).version;

/** Signs and verifies messages with the connection file's key (`hmac-sha256` by default). */
export class Signer {
  private readonly algorithm: string;
  private readonly seen = new Set<string>();

  constructor(
    private readonly key: string,
    scheme: string,
  ) {
    this.algorithm = scheme.replace(/^hmac-/, '');
  }

  sign(parts: readonly string[]): string {
    if (!this.key) return '';
    const hmac = crypto.createHmac(this.algorithm, this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }

  /** Why the frames must be refused, or `undefined` when their signature is right and new. */
  check(signature: string, parts: readonly Buffer[]): string | undefined {
    if (!this.key) return undefined;
    const hmac = crypto.createHmac(this.algorithm, this.key);
    for (const part of parts.slice(0, 4)) hmac.update(part);
    const want = Buffer.from(hmac.digest('hex'));
    const got = Buffer.from(signature);
    // timingSafeEqual needs equal lengths; a length mismatch says nothing about the key.
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return 'invalid signature';
    if (this.seen.has(signature)) return 'replayed signature';
    this.seen.add(signature);
    if (this.seen.size > MAX_REMEMBERED_SIGNATURES) this.seen.delete(this.seen.values().next().value as string);
    return undefined;
  }
}

/** Splits raw frames into a message; throws on a malformed one. */
function parseFrames(frames: readonly Buffer[]): { identities: Buffer[]; signature: string; parts: Buffer[] } {
  const delimiter = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (delimiter < 0 || frames.length < delimiter + 6) throw new Error('malformed message (no delimiter or parts)');
  return {
    identities: frames.slice(0, delimiter),
    signature: frames[delimiter + 1]!.toString(),
    parts: frames.slice(delimiter + 2),
  };
}

/** Lazily creates tslab's converters, as tslab's (unexported) `ConverterSetImpl` does. */
class Converters implements ConverterSet {
  private nodeConverter: Converter | undefined;
  private browserConverter: Converter | undefined;
  get node(): Converter {
    return (this.nodeConverter ??= createConverter({ isJS: false, isBrowser: false }));
  }
  get browser(): Converter {
    return (this.browserConverter ??= createConverter({ isJS: false, isBrowser: true }));
  }
  close(): void {
    this.nodeConverter?.close();
    this.browserConverter?.close();
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

/** The iopub `error` content (and the error reply's fields) for a failed cell. */
export function errorContent(
  code: string,
  run: Pick<CellRun, 'diagnostics' | 'exception'>,
): { ename: string; evalue: string; traceback: string[] } {
  const red = (text: string): string => `\u001b[31m${text}\u001b[0m`;
  if (run.diagnostics.length > 0) {
    const lines = code.split('\n');
    const where = (d: Diagnostic): string => `line ${d.line}, column ${d.column}`;
    const first = run.diagnostics[0]!;
    const more = run.diagnostics.length > 1 ? ` (and ${run.diagnostics.length - 1} more)` : '';
    return {
      ename: 'TSError',
      evalue: `${where(first)}: ${first.text}${more}`,
      traceback: run.diagnostics.flatMap((d) => {
        const source = lines[d.line - 1];
        const gutter = `${d.line} | `;
        return [
          `${red('TSError')} at ${where(d)}: ${d.text}`,
          ...(d.file === '' && source !== undefined
            ? [`  ${gutter}${source}`, `  ${' '.repeat(gutter.length + d.column - 1)}${red('^')}`]
            : []),
        ];
      }),
    };
  }
  const value = run.exception?.value;
  if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value)) {
    const error = value as Error;
    const interrupted = error.name === 'Error' && INTERRUPTED.includes(error.message);
    const ename = interrupted ? 'Interrupted' : error.name || 'Error';
    // Frames from node internals and tslab's wrapper say nothing about the user's code.
    const frames = (error.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .filter((line) => !/node:internal|tslab[/\\]dist|[/\\]host\.js|node:vm/.test(line));
    return { ename, evalue: error.message, traceback: [`${red(ename)}: ${error.message}`, ...frames] };
  }
  const text = util.inspect(value);
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

/** `is_complete`: tslab tells incomplete (an expected token at the end); any other syntax error is invalid. */
export function isComplete(code: string, tslabAnswer: { status: string; indent?: string }): Record<string, unknown> {
  if (tslabAnswer.status === 'incomplete') return { status: 'incomplete', indent: tslabAnswer.indent ?? '' };
  const { diagnostics } = typescript.transpileModule(code, { reportDiagnostics: true, compilerOptions: {} });
  return { status: diagnostics && diagnostics.length > 0 ? 'invalid' : 'complete' };
}

/** The message-level half of the kernel; tslab's `ZmqServer` keeps the sockets. */
class ConvLabServer extends jupyter.ZmqServer {
  private readonly tslab: jupyter.JupyterHandlerImpl;
  private signer: Signer | undefined;
  private readonly session = crypto.randomUUID();
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
  private readonly writeErr = process.stderr.write.bind(process.stderr);

  constructor(
    private readonly executor: Executor,
    private readonly options: KernelOptions,
  ) {
    const handler = new jupyter.JupyterHandlerImpl(executor, false);
    super(handler, options.connectionFile);
    this.tslab = handler;
  }

  /** The kernel's own log: the original stderr, never a cell's output. */
  log(text: string): void {
    this.writeErr(`convlab kernel: ${text}\n`);
  }

  override async init(): Promise<void> {
    // The signer must exist before the sockets are bound, or the first messages would be dropped.
    const info = JSON.parse(fs.readFileSync(this.configPath, 'utf8')) as { key: string; signature_scheme?: string };
    this.signer = new Signer(info.key, info.signature_scheme || 'hmac-sha256');
    await super.init();
  }

  /** tslab's socket loops call this, unawaited, for every shell and control message. */
  override async handleShellMessage(sock: Socket, ...frames: Buffer[]): Promise<void> {
    let message: Message;
    try {
      const { identities, signature, parts } = parseFrames(frames);
      const refused = this.signer ? this.signer.check(signature, parts) : 'not ready';
      if (refused) {
        this.log(`dropped a message: ${refused}`);
        return;
      }
      const [header, parent, metadata, content] = parts.slice(0, 4).map((p) => JSON.parse(p.toString()) as unknown);
      message = { identities, header: header as Header, parent: parent as Message['parent'], metadata: metadata as Message['metadata'], content: content as Message['content'] };
    } catch (error) {
      this.log(`dropped a message: ${String(error)}`);
      return;
    }
    if (sock === this.control) return this.handle(sock, message, 0);
    const number = ++this.received;
    const previous = this.shellQueue;
    this.shellQueue = previous.then(() => this.handle(sock, message, number));
    return this.shellQueue;
  }

  private async handle(sock: Socket, message: Message, number: number): Promise<void> {
    const type = message.header.msg_type;
    this.publish('status', { execution_state: 'busy' }, message.header);
    try {
      if (type === 'execute_request') await this.execute(sock, message, number);
      else if (type === 'shutdown_request') return await this.shutdown(sock, message);
      else {
        const content = this.answer(message);
        if (content) this.reply(sock, message, content);
        else this.log(`unknown message type ${type}`);
      }
    } catch (error) {
      this.log(`failed to handle ${type}: ${util.inspect(error)}`);
    } finally {
      this.publish('status', { execution_state: 'idle' }, message.header);
    }
  }

  /** The reply content of every request that needs no cell run; `undefined` for unknown types. */
  private answer(message: Message): Record<string, unknown> | undefined {
    const content = message.content;
    switch (message.header.msg_type) {
      case 'kernel_info_request':
        return this.kernelInfo();
      case 'is_complete_request':
        return isComplete(String(content['code']), this.tslab.handleIsComplete({ code: String(content['code']) }));
      case 'complete_request':
        return { ...this.tslab.handleComplete(content as never) };
      case 'inspect_request':
        return { ...this.tslab.handleInspect(content as never) };
      case 'history_request':
        return { status: 'ok', history: this.historyFor(content) };
      case 'comm_info_request':
        return { status: 'ok', comms: {} };
      case 'interrupt_request':
        // A message can only arrive while no synchronous code runs; a busy loop needs the signal
        // (the kernelspec's interrupt_mode).
        this.interrupt();
        return { status: 'ok' };
      case 'comm_open':
      case 'comm_msg':
      case 'comm_close':
        return undefined;
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
      const glob = String(content['pattern'] ?? '*');
      const pattern = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      rows = rows.filter(([, , input]) => pattern.test(input));
      if (content['unique'] === true) rows = rows.filter(([, , input], i) => !rows.slice(i + 1).some(([, , later]) => later === input));
      if (content['n'] !== undefined && content['n'] !== null) rows = rows.slice(-Number(content['n']));
    }
    return rows.map(entry);
  }

  private async execute(sock: Socket, message: Message, number: number): Promise<void> {
    const code = String(message.content['code'] ?? '');
    const silent = message.content['silent'] === true;
    const storeHistory = !silent && message.content['store_history'] !== false;
    if (number <= this.abortThrough) {
      this.reply(sock, message, { status: 'aborted', execution_count: this.executionCount });
      return;
    }
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
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
      this.run = undefined;
      this.interruptPending = false;
    }
    if (ok && !run.exception) {
      this.reply(sock, message, { status: 'ok', execution_count: count, payload: [], user_expressions: {} });
      return;
    }
    run.diagnostics = run.diagnostics.map((d) => (d.file === '' ? { ...d, ...shorthand.locate(d.line, d.column) } : d));
    const error = errorContent(code, run);
    if (!silent) this.publish('error', error, message.header);
    if (message.content['stop_on_error'] !== false) {
      // ipykernel's rule: abort what was already sent when the cell failed. Let the socket loop take in
      // the frames that are already waiting, then draw the line.
      await new Promise((resolve) => setImmediate(resolve));
      this.abortThrough = this.received;
    }
    this.reply(sock, message, { status: 'error', execution_count: count, ...error });
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
   * Stops the running cell (SIGINT and `interrupt_request`). An awaiting cell ends through
   * `executor.interrupt()`; synchronous code ends by the signal itself while it runs inside the executor's
   * `vm` call (`breakOnSigint`). A signal that arrives while the cell waits to start is remembered, and the
   * cell does not run. Known gap: a signal that lands during the cell's type-check is queued by Node until
   * the cell ends (interrupting the type-check itself corrupts tslab's converter), so a cell that then loops
   * forever needs a second interrupt.
   */
  interrupt(): void {
    this.executor.interrupt();
    if (this.run) this.interruptPending = true;
  }

  /** The executor's `console`: how tslab hands over the last value, diagnostics and exceptions. */
  readonly executorConsole = {
    log: (...args: unknown[]): void => {
      const run = this.run;
      if (!run || args.length !== 1) return void console.log(...args);
      if (run.silent) return;
      try {
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
        console.error(...args);
      }
    },
  };

  private async shutdown(sock: Socket, message: Message): Promise<void> {
    const restart = message.content['restart'] === true;
    this.reply(sock, message, { status: 'ok', restart });
    this.publish('status', { execution_state: 'idle' }, message.header);
    await Promise.all(this.sending.values());
    this.close();
    process.exit(0);
  }

  private reply(sock: Socket, request: Message, content: Record<string, unknown>): void {
    const type = request.header.msg_type.replace(/_request$/, '_reply');
    this.send(sock, request.identities, type, content, request.header);
  }

  private publish(type: string, content: Record<string, unknown>, parent: Header): void {
    this.send(this.iopub as unknown as Socket, [Buffer.from(`kernel.${this.session}.${type}`)], type, content, parent);
  }

  /** Signs and sends; sends on one socket are chained, since a zeromq socket takes one pending send at a time. */
  private send(sock: Socket, identities: Buffer[], type: string, content: Record<string, unknown>, parent: Header): void {
    const header = {
      msg_id: crypto.randomUUID(),
      session: this.session,
      username: 'convlab',
      date: new Date().toISOString(),
      msg_type: type,
      version: PROTOCOL_VERSION,
    };
    const parts = [header, parent, {}, content].map((part) => JSON.stringify(part));
    const frames = [...identities, DELIMITER, this.signer?.sign(parts) ?? '', ...parts];
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
  process.on('uncaughtException', (error) => console.error('Uncaught exception:', error));
  process.on('unhandledRejection', (reason) => console.error('Unhandled promise rejection:', reason));
  await server.init();
  const bound = server;
  return {
    sendDisplay: (bundle, update) => bound.sendDisplay(bundle, update),
    clearOutput: (wait) => bound.clearOutput(wait),
  };
}
