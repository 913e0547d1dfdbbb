/**
 * `explore` as a frontend meets it: a recording comm transport keeps every widget message the kernel sends, and
 * the tests play the frontend's part (`update` messages on a control's comm, through `receiveComm` as the host
 * delivers them). What the explorer shows is checked against the library's own results: the formula line against
 * `convInfo(…).axes[a].formula` / `poolInfo`, the Output widget's maps against `conv2d` / `maxPool2d` / `avgPool2d`.
 */
import { FEATURE_MAP_MIME, type FeatureMapPayload } from '@convlab/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiveComm, setCommTransport, type CommTransport } from '../../../kernel/src/comm';
import { avgPool2d, conv2d, convInfo, explore, maxPool2d, tensor, type ExploreOptions, type Tensor } from '../../../kernel/src/index';
import { poolInfo } from '../../../kernel/src/shapes';
import { teachingKernel } from '../../../kernel/src/widgets/explore';

/** Every comm message the kernel sends, and each model's state as a frontend would hold it. */
class Recorder implements CommTransport {
  readonly opened: { id: string; state: Record<string, unknown> }[] = [];
  readonly states = new Map<string, Record<string, unknown>>();
  /** `update`s per comm, to count redraws. */
  readonly updates = new Map<string, Record<string, unknown>[]>();

  send(type: 'comm_open' | 'comm_msg' | 'comm_close', content: Record<string, unknown>): void {
    const id = String(content['comm_id']);
    const data = content['data'] as { state?: Record<string, unknown>; method?: string };
    if (type === 'comm_open') {
      this.opened.push({ id, state: data.state ?? {} });
      this.states.set(id, { ...data.state });
    } else if (type === 'comm_msg' && (data.method === 'update' || data.method === 'echo_update') && data.state) {
      Object.assign(this.states.get(id) ?? {}, data.state);
      this.updates.set(id, [...(this.updates.get(id) ?? []), data.state]);
    }
  }
}

let recorder: Recorder;
let previous: CommTransport | undefined;
beforeEach(() => {
  recorder = new Recorder();
  previous = setCommTransport(recorder);
});
afterEach(() => {
  setCommTransport(previous);
});

/** The explorer's models, found as a frontend finds them: by model name and description. */
function models(): {
  control: (description: string) => string;
  state: (id: string) => Record<string, unknown>;
  formula: () => string;
  error: () => string;
  output: () => string;
} {
  const byName = (name: string) => recorder.opened.filter((o) => o.state['_model_name'] === name);
  const control = (description: string): string => {
    const found = recorder.opened.find((o) => o.state['description'] === description && o.state['_model_name'] !== 'LayoutModel');
    if (!found) throw new Error(`no control '${description}'`);
    return found.id;
  };
  const state = (id: string): Record<string, unknown> => recorder.states.get(id)!;
  // Two HTML models: the formula line first, the error line second (the order the explorer lays them out).
  const [formula, error] = byName('HTMLModel').map((o) => o.id);
  return {
    control,
    state,
    formula: () => String(state(formula!)['value']),
    error: () => String(state(error!)['value']),
    output: () => byName('OutputModel')[0]!.id,
  };
}

/** A frontend's `update` on a model's comm. */
function frontend(id: string, state: Record<string, unknown>): void {
  receiveComm('comm_msg', { comm_id: id, data: { method: 'update', state, buffer_paths: [] } }, {}, []);
}

/** The feature-map payload the Output widget shows now. */
function shownPayload(m: ReturnType<typeof models>): FeatureMapPayload {
  const outputs = m.state(m.output())['outputs'] as { output_type: string; data: Record<string, unknown> }[];
  expect(outputs).toHaveLength(1);
  return outputs[0]!.data[FEATURE_MAP_MIME] as FeatureMapPayload;
}

/** The float32 values of a payload's output panel, map after map. */
function outputValues(payload: FeatureMapPayload): number[] {
  const output = payload.panels.find((p) => p.role === 'output')!;
  return output.maps.flatMap((map) => {
    expect(map.encoding).toBe('f32-base64');
    const bytes = Buffer.from(map.data, 'base64');
    return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  });
}

const unescape = (html: string): string => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
/** The formula line's text lines (the widget's HTML, tags removed, entities read). */
const formulaLines = (m: ReturnType<typeof models>): string[] =>
  m.formula().split(/<\/div>/).map((part) => unescape(part.replace(/<[^>]*>/g, ''))).filter(Boolean);

/** A 6×6 ramp with a bright column, 2 channels: edges, distinct values, and groups 1 or 2. */
const input = (): Tensor => tensor(Array.from({ length: 2 * 36 }, (_, i) => ((i * 7) % 11) + (i % 6 === 3 ? 10 : 0)), [1, 2, 6, 6]);

/** The dropdown index of `value` in a model's labels. */
const indexOf = (m: ReturnType<typeof models>, description: string, label: string): number =>
  (m.state(m.control(description))['_options_labels'] as string[]).indexOf(label);

describe('explore', () => {
  it('starts as a valid 3×3 conv with the teaching kernel: formula from convInfo, maps from conv2d, focus on cell 0', () => {
    const x = input();
    const box = explore(x);
    const m = models();
    const w = teachingKernel(2, 1, 3);
    const info = convInfo('conv2d', x.shape, w.shape, { stride: 1, padding: 'valid', dilation: 1, groups: 1, paddingMode: 'zeros' });
    const lines = formulaLines(m);
    expect(lines).toContain(`height: ${info.axes[0]!.formula}`);
    expect(lines).toContain(`width: ${info.axes[1]!.formula}`);
    expect(lines).toContain('position 0 → output (row 0, col 0)');
    const payload = shownPayload(m);
    expect(outputValues(payload)).toEqual(Array.from(conv2d(x, w).data));
    expect(payload.window?.focus).toEqual([0, 0]);
    expect(m.error()).toBe('');
    // The root is the Box a cell shows.
    expect(box.modelId).toBe(recorder.opened.at(-1)!.id);
    expect(m.state(m.control('position'))['max']).toBe(15);
  });

  it('follows stride, explicit padding, mode and groups from the frontend, as the library computes them', () => {
    const x = input();
    explore(x);
    const m = models();
    frontend(m.control('stride'), { value: 2 });
    frontend(m.control('padding'), { index: indexOf(m, 'padding', 'explicit') });
    frontend(m.control('amount'), { value: 1 });
    frontend(m.control('mode'), { index: indexOf(m, 'mode', 'reflect') });
    frontend(m.control('groups'), { index: indexOf(m, 'groups', '2') });
    const w = teachingKernel(2, 2, 3);
    const options = { stride: 2, padding: 1, dilation: 1, groups: 2, paddingMode: 'reflect' as const };
    const info = convInfo('conv2d', x.shape, w.shape, options);
    expect(info.axes[0]!.formula).toBe('floor((6 + 1 + 1 − 3) / 2) + 1 = 3');
    expect(formulaLines(m)).toContain(`height: ${info.axes[0]!.formula}`);
    const payload = shownPayload(m);
    expect(outputValues(payload)).toEqual(Array.from(conv2d(x, w, options).data));
    expect(payload.window?.paddingMode).toBe('reflect');
    expect(payload.window?.groups).toBe(2);
    // Dilation 2 with 'same' padding: the effective kernel is 5.
    frontend(m.control('padding'), { index: indexOf(m, 'padding', 'same') });
    frontend(m.control('dilation'), { value: 2 });
    const same = { ...options, padding: 'same' as const, dilation: 2 };
    expect(outputValues(shownPayload(m))).toEqual(Array.from(conv2d(x, w, same).data));
    // 'same' at stride 2 pads the total 3 as 1 before, 2 after (the extra cell at the end).
    const width = convInfo('conv2d', x.shape, w.shape, same).axes[1]!;
    expect([width.padBefore, width.padAfter, width.outSize]).toEqual([1, 2, 3]);
    expect(width.formula).toBe('floor((6 + 1 + 2 − 5) / 2) + 1 = 3 (effective kernel 2·(3−1)+1 = 5)');
    expect(formulaLines(m)).toContain(`width: ${width.formula}`);
  });

  it('runs the pools with the same controls, the mode and groups disabled, avgPool without dilation', () => {
    const x = input();
    explore(x);
    const m = models();
    frontend(m.control('op'), { index: 1 });
    frontend(m.control('kernel'), { value: 2 });
    frontend(m.control('stride'), { value: 2 });
    expect(outputValues(shownPayload(m))).toEqual(Array.from(maxPool2d(x, 2, { stride: 2, padding: 'valid', dilation: 1 }).data));
    expect(shownPayload(m).op).toBe('maxPool2d');
    expect(formulaLines(m)).toContain(`height: ${poolInfo('maxPool2d', x.shape, 2, { stride: 2 }).axes[0]!.formula}`);
    expect([m.state(m.control('mode'))['disabled'], m.state(m.control('groups'))['disabled'], m.state(m.control('dilation'))['disabled']]).toEqual([true, true, false]);
    frontend(m.control('op'), { index: 2 });
    expect(outputValues(shownPayload(m))).toEqual(Array.from(avgPool2d(x, 2, { stride: 2 }).data));
    expect(m.state(m.control('dilation'))['disabled']).toBe(true);
  });

  it("shows the library's error in place and keeps the last good maps and formula", () => {
    const x = input();
    explore(x);
    const m = models();
    frontend(m.control('kernel'), { value: 5 });
    const good = { formula: m.formula(), outputs: JSON.stringify(m.state(m.output())['outputs']) };
    frontend(m.control('dilation'), { value: 2 }); // effective kernel 9 > 6
    let expected = '';
    try {
      conv2d(x, teachingKernel(2, 1, 5), { dilation: 2, padding: 'valid', stride: 1, groups: 1, paddingMode: 'zeros' });
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toMatch(/^conv2d: /);
    expect(unescape(m.error().replace(/<[^>]*>/g, ''))).toBe(expected);
    expect(m.formula()).toBe(good.formula);
    expect(JSON.stringify(m.state(m.output())['outputs'])).toBe(good.outputs);
    // A pool's padding over kE − 1 is refused by the library too, with its own words.
    frontend(m.control('dilation'), { value: 1 });
    expect(m.error()).toBe('');
    frontend(m.control('op'), { index: 1 });
    frontend(m.control('kernel'), { value: 2 });
    frontend(m.control('padding'), { index: indexOf(m, 'padding', 'explicit') });
    frontend(m.control('amount'), { value: 2 });
    expect(unescape(m.error())).toContain('maxPool2d: options.padding expected at most the effective kernel − 1 on each side');
  });

  it('moves the focus with position and clamps it when the output shrinks', () => {
    const x = input();
    explore(x, undefined, { position: 15 });
    const m = models();
    expect(shownPayload(m).window?.focus).toEqual([3, 3]);
    frontend(m.control('position'), { value: 6 });
    expect(shownPayload(m).window?.focus).toEqual([1, 2]);
    expect(formulaLines(m)).toContain('position 6 → output (row 1, col 2)');
    frontend(m.control('stride'), { value: 3 }); // 2×2 output: the last cell is 3
    const position = m.state(m.control('position'));
    expect([position['value'], position['max']]).toEqual([3, 3]);
    expect(shownPayload(m).window?.focus).toEqual([1, 1]);
  });

  it('recomputes only on a change: the same value, or an amount while the padding is named, redraws nothing', () => {
    explore(input());
    const m = models();
    const count = (): number => recorder.updates.get(m.output())?.length ?? 0;
    frontend(m.control('stride'), { value: 2 });
    const after = count();
    frontend(m.control('stride'), { value: 2 });
    frontend(m.control('amount'), { value: 2 });
    expect(count()).toBe(after);
    frontend(m.control('stride'), { value: 1 });
    expect(count()).toBeGreaterThan(after);
  });

  it("with a weight: the conv's kernel and groups are fixed, the maps are conv2d with it; a pool's kernel stays free", () => {
    const x = input();
    const w = tensor(Array.from({ length: 3 * 2 * 2 * 2 }, (_, i) => (i % 5) - 2), [3, 2, 2, 2]);
    explore(x, w, { padding: 'full' });
    const m = models();
    expect(m.state(m.control('kernel'))).toMatchObject({ value: 2, disabled: true });
    expect(m.state(m.control('groups'))).toMatchObject({ _options_labels: ['1'], disabled: true });
    expect(outputValues(shownPayload(m))).toEqual(Array.from(conv2d(x, w, { padding: 'full' }).data));
    // A pool's kernel is free; back to the conv, the slider returns to the weight's kernel.
    frontend(m.control('op'), { index: 1 });
    expect(m.state(m.control('kernel'))['disabled']).toBe(false);
    frontend(m.control('kernel'), { value: 3 });
    expect(outputValues(shownPayload(m))).toEqual(Array.from(maxPool2d(x, 3, { stride: 1, padding: 'full' }).data));
    frontend(m.control('op'), { index: 0 });
    expect(m.state(m.control('kernel'))).toMatchObject({ value: 2, disabled: true });
    expect(outputValues(shownPayload(m))).toEqual(Array.from(conv2d(x, w, { padding: 'full' }).data));
  });

  it('takes [H, W] and [C, H, W] inputs, and refuses other ranks naming explore and x', () => {
    const plane = tensor(Array.from({ length: 25 }, (_, i) => i), [5, 5]);
    explore(plane, undefined, { op: 'maxPool2d' });
    const m = models();
    expect(outputValues(shownPayload(m))).toEqual(Array.from(maxPool2d(plane.reshape([1, 1, 5, 5]), 2).data));
    expect(() => explore(tensor([1, 2, 3]))).toThrow(/^explore: x expected a tensor \[N, C, H, W\], \[C, H, W\] or \[H, W\], got rank 1/);
  });

  it('refuses bad options before opening a widget, naming explore and the option', () => {
    const x = input();
    const bad: [unknown, RegExp][] = [
      [{ strides: 2 }, /^explore: options expected only the keys .*got the unknown key 'strides'; hint: did you mean 'stride'/],
      [{ op: 'conv3d' }, /^explore: options\.op expected one of 'conv2d', 'maxPool2d', 'avgPool2d', got "conv3d"/],
      [{ padding: 'causal' }, /^explore: options\.padding expected one of 'valid', 'same', 'same_lower', 'full', got "causal"/],
      [{ padding: -1 }, /^explore: options\.padding expected an integer ≥ 0, got -1/],
      [{ paddingMode: 'mirror' }, /^explore: options\.paddingMode expected one of 'zeros', 'reflect'/],
      [{ stride: 0 }, /^explore: options\.stride expected an integer ≥ 1, got 0/],
      [{ position: 1.5 }, /^explore: options\.position expected an integer ≥ 0, got 1\.5/],
      [{ groups: 3 }, /^explore: options\.groups expected a divisor of the input's 2 channels, got 3/],
    ];
    for (const [options, message] of bad) {
      const before = recorder.opened.length;
      expect(() => explore(x, undefined, options as ExploreOptions)).toThrow(message);
      expect(recorder.opened.length, JSON.stringify(options)).toBe(before);
    }
  });
});

describe('teachingKernel', () => {
  it('is a left-to-right gradient divided by the channels per group', () => {
    expect(teachingKernel(1, 1, 3).toArray()).toEqual([[[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]]]);
    expect(teachingKernel(2, 1, 2).toArray()).toEqual([
      [[[-0.5, 0.5], [-0.5, 0.5]], [[-0.5, 0.5], [-0.5, 0.5]]],
      [[[-0.5, 0.5], [-0.5, 0.5]], [[-0.5, 0.5], [-0.5, 0.5]]],
    ]);
    expect(teachingKernel(1, 1, 1).toArray()).toEqual([[[[1]]]]);
  });
});
