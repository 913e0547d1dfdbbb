/**
 * The Output widget's capture (display, console, clearOutput, errors, async) and interact's runs (at once, after
 * changes, a burst coalesced into one run, return values and errors in the output).
 */
import { describe, expect, it } from 'vitest';
import { clearOutput, display, setDisplaySink, type DisplaySink } from '../../../kernel/src/display/display';
import { interact, intSlider, output, toggleButtons, MAX_OUTPUTS, type OutputItem } from '../../../kernel/src/widgets';
import { fromFrontend, messagesOn, openedState, recordComms } from './support';

const sent = recordComms();

/** Lets the event loop run the coalesced interact runs (setImmediate) and settled promises. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('output().capture', () => {
  it('sends display, console.log/error and clearOutput into the widget and restores the cell sinks', () => {
    const cell: unknown[] = [];
    const previous = setDisplaySink({ send: (bundle) => cell.push(bundle.data['text/plain']), clear: () => cell.push('clear') });
    try {
      const out = output();
      out.capture(() => {
        // console.log writes to process.stdout (vitest replaces console itself, so the test writes directly;
        // test_widgets.py checks console.log in the real kernel).
        process.stdout.write('one\n');
        process.stdout.write('two\n');
        display(42);
        process.stderr.write('warn\n');
      });
      expect(out.get('outputs')).toEqual([
        { output_type: 'stream', name: 'stdout', text: 'one\ntwo\n' },
        { output_type: 'display_data', data: { 'text/plain': '42' }, metadata: {} },
        { output_type: 'stream', name: 'stderr', text: 'warn\n' },
      ]);
      out.capture(() => {
        clearOutput({ wait: true });
        display('after');
      });
      expect(out.get('outputs')).toEqual([{ output_type: 'display_data', data: { 'text/plain': "'after'" }, metadata: {} }]);
      // Back in the cell: display goes to the cell's sink again.
      display('cell');
      clearOutput();
      expect(cell).toEqual(["'cell'", 'clear']);
      // The kernel sends the outputs whole, as the Output model's state.
      const last = messagesOn(sent, out.modelId).at(-1)!;
      expect(last).toEqual({ method: 'update', state: { outputs: out.get('outputs') }, buffer_paths: [] });
      expect(openedState(sent, out.modelId)).toMatchObject({ _model_name: 'OutputModel', _model_module: '@jupyter-widgets/output', _model_module_version: '1.0.0', _view_name: 'OutputView', msg_id: '', outputs: [] });
    } finally {
      setDisplaySink(previous);
    }
  });

  it('a thrown error becomes an error output (ename, evalue, traceback) and does not propagate', () => {
    const out = output();
    const result = out.capture(() => {
      throw new RangeError('kernel too big');
    });
    expect(result).toBeUndefined();
    const [error] = out.get('outputs') as OutputItem[];
    expect(error).toMatchObject({ output_type: 'error', ename: 'RangeError', evalue: 'kernel too big' });
    expect((error as { traceback: string[] }).traceback[0]).toBe('RangeError: kernel too big');
    out.capture(() => {
      throw 'a string';
    });
    expect(out.get('outputs')[1]).toEqual({ output_type: 'error', ename: 'Error', evalue: "'a string'", traceback: ["Uncaught 'a string'"] });
  });

  it('an async function captures until it settles, then restores the sinks; its result is returned', async () => {
    const out = output();
    const writes: string[] = [];
    const previous: DisplaySink = setDisplaySink({ send: (b) => writes.push(String(b.data['text/plain'])), clear: () => undefined });
    try {
      const value = await out.capture(async () => {
        await turn();
        display('late');
        return 7;
      });
      expect(value).toBe(7);
      display('cell');
      expect(writes).toEqual(["'cell'"]);
      expect(out.get('outputs')).toEqual([{ output_type: 'display_data', data: { 'text/plain': "'late'" }, metadata: {} }]);
      const failed = await out.capture(async () => {
        await turn();
        throw new Error('async broke');
      });
      expect(failed).toBeUndefined();
      expect(out.get('outputs')[1]).toMatchObject({ output_type: 'error', evalue: 'async broke' });
    } finally {
      setDisplaySink(previous);
    }
  });

  it('nested captures go to the innermost; async captures ending out of order still restore the cell sink', async () => {
    const cell: string[] = [];
    const previous = setDisplaySink({ send: (b) => cell.push(String(b.data['text/plain'])), clear: () => undefined });
    try {
      const outer = output();
      const inner = output();
      outer.capture(() => {
        display('a');
        inner.capture(() => display('b'));
        display('c');
      });
      const texts = (out: ReturnType<typeof output>): unknown[] => out.get('outputs').map((o) => (o as { data: Record<string, unknown> }).data['text/plain']);
      expect([texts(outer), texts(inner)]).toEqual([["'a'", "'c'"], ["'b'"]]);
      const release: (() => void)[] = [];
      const wait = (): Promise<void> => new Promise((resolve) => release.push(resolve));
      const first = outer.capture(() => wait());
      const second = inner.capture(() => wait());
      release.shift()!(); // the first capture ends while the second still runs
      await first;
      release.shift()!();
      await second;
      display('cell');
      expect(cell).toEqual(["'cell'"]);
    } finally {
      setDisplaySink(previous);
    }
  });

  it('display handles update their output in place; outputs are bounded', () => {
    const out = output();
    out.capture(() => {
      const handle = display('epoch 1', { displayId: 'progress' });
      display('other');
      handle.update('epoch 2');
    });
    expect(out.get('outputs').map((o) => (o as { data: Record<string, unknown> }).data['text/plain'])).toEqual(["'epoch 2'", "'other'"]);
    out.clear();
    expect(out.get('outputs')).toEqual([]);
    out.capture(() => {
      for (let i = 0; i < MAX_OUTPUTS + 20; i++) display(i);
    });
    const outputs = out.get('outputs');
    expect(outputs).toHaveLength(MAX_OUTPUTS);
    expect(outputs.at(-1)).toMatchObject({ data: { 'text/plain': String(MAX_OUTPUTS + 19) } });
  });

  it('the frontend cannot write the outputs', () => {
    const out = output();
    out.append({ data: { 'text/plain': 'kernel' }, metadata: {} });
    fromFrontend(out.modelId, { method: 'update', state: { outputs: [{ output_type: 'display_data', data: { 'text/html': '<script>' } }] } });
    expect(out.get('outputs')).toEqual([{ output_type: 'display_data', data: { 'text/plain': 'kernel' }, metadata: {} }]);
  });
});

describe('interact', () => {
  it('runs at once, shows the return value, and returns a vbox of the controls and the output', () => {
    const k = intSlider({ value: 3 });
    const mode = toggleButtons({ options: ['valid', 'same'] as const });
    const box = interact(({ k, mode }) => `${mode} ${k}`, { k, mode });
    const [first, second, out] = box.children;
    expect([first, second]).toEqual([k, mode]);
    expect(openedState(sent, box.modelId)['_model_name']).toBe('VBoxModel');
    expect((out as ReturnType<typeof output>).get('outputs')).toEqual([{ output_type: 'display_data', data: { 'text/plain': "'valid 3'" }, metadata: {} }]);
  });

  it('coalesces a burst of changes into one run after the current turn, with the latest values', async () => {
    const k = intSlider({ value: 1 });
    const calls: number[] = [];
    const box = interact(({ k }) => {
      calls.push(k);
      process.stdout.write(`k=${k}\n`);
    }, { k });
    const out = box.children[1] as ReturnType<typeof output>;
    fromFrontend(k.modelId, { method: 'update', state: { value: 2 } });
    fromFrontend(k.modelId, { method: 'update', state: { value: 3 } });
    k.value = 4;
    expect(calls).toEqual([1]);
    await turn();
    expect(calls).toEqual([1, 4]);
    // Each run replaces the previous run's output.
    expect(out.get('outputs')).toEqual([{ output_type: 'stream', name: 'stdout', text: 'k=4\n' }]);
  });

  it('shows errors in the output and keeps running after later changes', async () => {
    const k = intSlider({ value: 1 });
    const box = interact(({ k }) => {
      if (k === 2) throw new Error('k=2 is not allowed');
      return k * 10;
    }, { k });
    const out = box.children[1] as ReturnType<typeof output>;
    k.value = 2;
    await turn();
    expect(out.get('outputs')).toEqual([expect.objectContaining({ output_type: 'error', evalue: 'k=2 is not allowed' })]);
    k.value = 3;
    await turn();
    expect(out.get('outputs')).toEqual([{ output_type: 'display_data', data: { 'text/plain': '30' }, metadata: {} }]);
  });

  it('bad arguments fail with the argument named', () => {
    expect(() => interact(3 as never, {})).toThrow(/^interact: fn expected a function of the values, got 3$/);
    expect(() => interact(() => 1, { k: 3 } as never)).toThrow(/^interact: controls\.k expected a control with a value \(intSlider, dropdown, …\), got 3; hint: k: intSlider\(\{ value: 3 \}\)$/);
  });

  it('a run that shows nothing clears the last run’s output', async () => {
    const k = intSlider({ value: 1 });
    const box = interact(({ k }) => (k === 1 ? 'one' : undefined), { k });
    const out = box.children[1] as ReturnType<typeof output>;
    expect(out.get('outputs')).toHaveLength(1);
    k.value = 2;
    await turn();
    expect(out.get('outputs')).toEqual([]);
  });

  it('an async function never runs twice at once; a change during a run starts one more run after it', async () => {
    const k = intSlider({ value: 1 });
    let active = 0;
    let most = 0;
    const calls: number[] = [];
    const release: (() => void)[] = [];
    interact(async ({ k }) => {
      active++;
      most = Math.max(most, active);
      calls.push(k);
      await new Promise<void>((resolve) => release.push(resolve));
      active--;
      return k;
    }, { k });
    k.value = 2;
    await turn();
    k.value = 3;
    await turn();
    expect(calls).toEqual([1]);
    release.shift()!();
    await turn();
    await turn();
    expect(calls).toEqual([1, 3]);
    release.shift()!();
    await turn();
    expect(most).toBe(1);
  });
});
