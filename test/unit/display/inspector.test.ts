/**
 * The inspector's comm (`convlab.inspector`, kernel/src/inspector.ts) through the comm layer, as the host drives
 * it: a recording transport stands for iopub and a plain object for the host's locals. The state after each
 * cell, the featuremap request, exact values of shown (downsampled) panels, the registry's bounds, and hostile
 * requests answered with errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FEATURE_MAP_MIME, type FeatureMapPayload } from '@convlab/protocol';
import { setCommTransport, receiveComm } from '../../../kernel/src/comm';
import { conv2d, randn, tensor, Tensor, tensorBundle, zeros, type DeviceArray } from '../../../kernel/src/index';
import { formatValue } from '../../../kernel/src/display/display';
import {
  forgetShown,
  INSPECTOR_TARGET,
  MAX_INSPECTORS,
  MAX_LISTED_RANK,
  MAX_NAME_LENGTH,
  MAX_ROWS,
  MAX_SHOWN,
  pushInspectorState,
  shownRef,
  shownValue,
  startInspector,
} from '../../../kernel/src/inspector';

type Sent = { type: string; content: Record<string, unknown> };

let sent: Sent[] = [];
let locals: Record<string, unknown> = {};
let stop: () => void = () => {};
let opened = 0;

/** The `data` of every comm_msg the kernel sent on `commId`, in order. */
const messagesOn = (commId: string): Record<string, unknown>[] =>
  sent.filter((m) => m.type === 'comm_msg' && m.content['comm_id'] === commId).map((m) => m.content['data'] as Record<string, unknown>);

/** Opens an inspector comm as the frontend does; returns its id. */
function openInspector(): string {
  const id = `inspector${++opened}`;
  receiveComm('comm_open', { comm_id: id, target_name: INSPECTOR_TARGET, data: {} }, {}, []);
  return id;
}

/** Sends `data` on the comm and returns the one message the kernel answered with. */
function ask(commId: string, data: unknown): Record<string, unknown> {
  const before = messagesOn(commId).length;
  receiveComm('comm_msg', { comm_id: commId, data }, {}, []);
  const after = messagesOn(commId);
  expect(after.length).toBe(before + 1);
  return after[after.length - 1]!;
}

/** A tensor whose values live on a (fake) device: reading them fails the test. */
function deviceTensor(shape: number[]): Tensor {
  const values: DeviceArray = {
    length: shape.reduce((a, b) => a * b, 1),
    device: 'gpu (test)',
    read: () => {
      throw new Error('the inspector read a device tensor back');
    },
  };
  return new Tensor(values, shape);
}

beforeEach(() => {
  sent = [];
  locals = {};
  setCommTransport({ send: (type, content) => sent.push({ type, content }) });
  stop = startInspector(() => locals);
});

afterEach(() => {
  stop();
  forgetShown();
  setCommTransport(undefined);
});

describe('the state event', () => {
  it('is sent on open: the tensor variables, sorted, with shape, bytes, where the values live and the op', () => {
    const w = randn([2, 1, 3, 3], { seed: 1 });
    locals = { x: zeros([1, 1, 5, 5]), n: 3, text: 'hi', y: conv2d(zeros([1, 1, 5, 5]), w), a: tensor([1, 2, 3]) };
    const id = openInspector();
    const [state] = messagesOn(id);
    expect(state).toMatchObject({ event: 'state', backend: expect.any(String) });
    expect(state!['tensors']).toEqual([
      { name: 'a', shape: [3], bytes: 12, backend: 'cpu', op: null },
      { name: 'x', shape: [1, 1, 5, 5], bytes: 100, backend: 'cpu', op: null },
      { name: 'y', shape: [1, 2, 3, 3], bytes: 72, backend: (locals['y'] as Tensor).provenance!.backend, op: 'conv2d' },
    ]);
    expect(state!['memory']).toEqual({ bytes: 184, count: 3 });
  });

  it('counts a tensor held by two variables, or reshaped, once in memory', () => {
    const x = zeros([4, 4]);
    locals = { x, alias: x, flat: x.reshape([16]), other: zeros([2]) };
    const [state] = messagesOn(openInspector());
    expect((state!['tensors'] as unknown[]).length).toBe(4);
    expect(state!['memory']).toEqual({ bytes: 64 + 8, count: 2 });
  });

  it('follows each cell (pushInspectorState) on every open comm, and stops at close', () => {
    const first = openInspector();
    const second = openInspector();
    locals = { x: zeros([2, 2]) };
    pushInspectorState();
    for (const id of [first, second]) expect(messagesOn(id).at(-1)!['tensors']).toEqual([{ name: 'x', shape: [2, 2], bytes: 16, backend: 'cpu', op: null }]);
    receiveComm('comm_close', { comm_id: first, data: {} }, {}, []);
    locals = { x: zeros([2, 2]), z: zeros([1]) };
    pushInspectorState();
    expect(messagesOn(first).length).toBe(2);
    expect((messagesOn(second).at(-1)!['tensors'] as { name: string }[]).map((r) => r.name)).toEqual(['x', 'z']);
  });

  it('answers { request: "state" }', () => {
    const id = openInspector();
    locals = { late: zeros([3]) };
    expect(ask(id, { request: 'state' })['tensors']).toEqual([{ name: 'late', shape: [3], bytes: 12, backend: 'cpu', op: null }]);
  });

  it('lists a gpu-resident tensor as gpu without reading its values back', () => {
    locals = { g: deviceTensor([1, 8, 64, 64]) };
    const [state] = messagesOn(openInspector());
    expect(state!['tensors']).toEqual([{ name: 'g', shape: [1, 8, 64, 64], bytes: 8 * 64 * 64 * 4, backend: 'gpu', op: null }]);
  });

  it(`lists tensors of at most ${MAX_LISTED_RANK} axes, and counts the others in memory`, () => {
    locals = { low: zeros(Array(MAX_LISTED_RANK).fill(1)), high: zeros(Array(1000).fill(1)) };
    const [state] = messagesOn(openInspector());
    expect((state!['tensors'] as { name: string }[]).map((r) => r.name)).toEqual(['low']);
    expect(state!['memory']).toEqual({ bytes: 8, count: 2 });
  });

  it('is bounded: at most MAX_ROWS rows (memory still counts all), long names cut, a throwing getter skipped', () => {
    const many: Record<string, unknown> = {};
    for (let i = 0; i < MAX_ROWS + 20; i++) many[`t${String(i).padStart(4, '0')}`] = zeros([1]);
    many['x'.repeat(10_000)] = zeros([1]);
    Object.defineProperty(many, 'trap', { enumerable: true, get: () => { throw new Error('trap'); } });
    locals = many;
    const id = openInspector();
    const [state] = messagesOn(id);
    const rows = state!['tensors'] as { name: string }[];
    expect(rows.length).toBe(MAX_ROWS);
    expect(rows[0]!.name).toBe('t0000');
    expect(state!['memory']).toEqual({ bytes: (MAX_ROWS + 21) * 4, count: MAX_ROWS + 21 });
    locals = { ['x'.repeat(10_000)]: zeros([1]) };
    const [row] = ask(id, { request: 'state' })['tensors'] as { name: string }[];
    expect(row!.name.length).toBe(MAX_NAME_LENGTH);
    expect(row!.name.endsWith('…')).toBe(true);
  });
});

describe('the featuremap request', () => {
  it("answers display(x)'s bundle", () => {
    const x = randn([1, 2, 6, 6], { seed: 2 });
    locals = { x };
    const answer = ask(openInspector(), { request: 'featuremap', id: 7, name: 'x' });
    expect(answer).toEqual({ event: 'featuremap', id: 7, name: 'x', bundle: formatValue(x) });
  });

  it.each([
    ['nope', /no variable named "nope"/],
    ['n', /"n" holds 3, not a Tensor/],
    ['empty', /"empty" is an empty tensor/],
    ['constructor', /no variable named "constructor"/],
    ['__proto__', /no variable named "__proto__"/],
  ])('answers a readable error for %s', (name, error) => {
    locals = { n: 3, empty: zeros([1, 0, 4, 4]) };
    const answer = ask(openInspector(), { request: 'featuremap', id: 1, name });
    expect(answer).toMatchObject({ event: 'featuremap', id: 1, name });
    expect(answer['bundle']).toBeUndefined();
    expect(answer['error']).toMatch(error);
  });
});

describe('exact values of shown panels', () => {
  it('answers the exact value of a downsampled map at a full-size cell', () => {
    const x = randn([1, 1, 1200, 1200], { seed: 3 });
    const payload = tensorBundle(x).data[FEATURE_MAP_MIME] as FeatureMapPayload;
    const [panel] = payload.panels;
    // The map was downsampled (1 MB cannot hold 1.44 million values): the cell's value is not in the payload.
    expect(panel!.maps[0]!.height).toBeLessThan(1200);
    expect(panel!.ref).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const id = openInspector();
    for (const [row, col] of [[0, 0], [1199, 1199], [123, 457]] as const) {
      expect(ask(id, { request: 'value', id: row, ref: panel!.ref, map: 0, index: [row, col] })).toEqual({ event: 'value', id: row, value: x.data[row * 1200 + col] });
    }
  });

  it("follows the panels' map order: batch item 0's channels, a kernel's (out, in) pairs", () => {
    const x = randn([2, 3, 5, 5], { seed: 4 });
    const w = randn([4, 3, 3, 3], { seed: 5 });
    const y = conv2d(x, w);
    const [input, kernel, output] = (tensorBundle(y).data[FEATURE_MAP_MIME] as FeatureMapPayload).panels;
    expect(shownValue(input!.ref!, 2, [4, 1])).toBe(x.data[2 * 25 + 4 * 5 + 1]);
    // Map 7 is out 2 · in 1.
    expect(kernel!.maps[7]!.label).toBe('out 2 · in 1');
    expect(shownValue(kernel!.ref!, 7, [1, 2])).toBe(w.data[(2 * 3 + 1) * 9 + 1 * 3 + 2]);
    expect(shownValue(output!.ref!, 3, [2, 2])).toBe(y.data[3 * 9 + 2 * 3 + 2]);
    // Batch item 1 is not shown, so map 3 of the input is out of range.
    expect(() => shownValue(input!.ref!, 3, [0, 0])).toThrow(/map expected a map index in 0…2, got 3/);
  });

  it('gives a tensor shown again the same ref', () => {
    const x = zeros([4, 4]);
    expect(shownRef(x, 'tensor')).toBe(shownRef(x, 'tensor'));
    expect(shownRef(x, 'tensor')).not.toBe(shownRef(zeros([4, 4]), 'tensor'));
  });

  it(`keeps the last ${MAX_SHOWN} shown tensors and at most 256 MB (oldest dropped)`, () => {
    const first = shownRef(zeros([2, 2]), 'tensor')!;
    const kept = Array.from({ length: MAX_SHOWN }, () => shownRef(zeros([2, 2]), 'tensor')!);
    expect(() => shownValue(first, 0, [0, 0])).toThrow(/ref expected the ref of a tensor this kernel showed/);
    expect(shownValue(kept[0]!, 0, [0, 0])).toBe(0);
    // Bytes: device tensors (never read here) of 100 MB each; the third pushes the first out.
    const big = [0, 1, 2].map(() => shownRef(deviceTensor([25, 1024, 1024]), 'tensor')!);
    expect(() => shownValue(big[0]!, 0, [0, 0])).toThrow(/ref expected/);
    expect(shownRef(deviceTensor([65, 1024, 1024]), 'tensor')).toBeUndefined();
  });

  it('answers NaN in words, since JSON cannot carry it', () => {
    const ref = shownRef(tensor([[NaN, 1]]), 'tensor')!;
    expect(ask(openInspector(), { request: 'value', id: 2, ref, map: 0, index: [0, 0] })).toEqual({ event: 'value', id: 2, error: 'not a finite number: NaN' });
  });

  it.each([
    [{ map: 1, index: [0, 0] }, /map expected a map index in 0…0, got 1/],
    [{ map: -1, index: [0, 0] }, /map expected/],
    [{ map: 0.5, index: [0, 0] }, /map expected/],
    [{ map: 0, index: [3, 0] }, /index expected \[row, col\] within the 3×3 map, got \[3, 0\]/],
    [{ map: 0, index: [0, -1] }, /index expected/],
    [{ map: 0, index: [0, 1.5] }, /index expected/],
    [{ map: 0, index: [0, 1e300] }, /index expected/],
  ])('answers an error for a map or cell out of range: %o', (fields, error) => {
    const ref = shownRef(zeros([3, 3]), 'tensor')!;
    const answer = ask(openInspector(), { request: 'value', id: 5, ref, ...fields });
    expect(answer).toMatchObject({ event: 'value', id: 5 });
    expect(answer['value']).toBeUndefined();
    expect(answer['error']).toMatch(error);
  });
});

describe('hostile requests', () => {
  it.each([
    ['no request', {}, false, /request expected 'state', 'featuremap' or 'value', got undefined/],
    ['an unknown request', { request: 'delete everything', id: 1 }, true, /got "delete everything"/],
    ['a request of a million characters', { request: 'x'.repeat(1e6), id: 1 }, true, /got "x{64}…"$/],
    ['no id', { request: 'featuremap', name: 'x' }, false, /id expected an integer in 0…2147483647, got undefined/],
    ['an id of 2^53', { request: 'featuremap', id: 2 ** 53, name: 'x' }, false, /id expected an integer/],
    ['a negative id', { request: 'featuremap', id: -1, name: 'x' }, false, /id expected/],
    ['a string id', { request: 'featuremap', id: '1', name: 'x' }, false, /id expected an integer .* got a string/],
    ['a number as name', { request: 'featuremap', id: 1, name: 42 }, true, /name expected a string of 1…1000 characters, got 42/],
    ['a name of 5000 characters', { request: 'featuremap', id: 1, name: 'x'.repeat(5000) }, true, /got a string of 5000 characters/],
    ['a string map', { request: 'value', id: 1, ref: 'r', map: '0', index: [0, 0] }, true, /map expected an integer, got a string/],
    ['a string index', { request: 'value', id: 1, ref: 'r', map: 0, index: '0,0' }, true, /index expected \[row, col\]/],
    ['an index of a million entries', { request: 'value', id: 1, ref: 'r', map: 0, index: new Array(1e6).fill(0) }, true, /got an array of 1000000/],
    ['an object as ref', { request: 'value', id: 1, ref: { toString: 1 }, map: 0, index: [0, 0] }, true, /ref expected a string of 1…64 characters, got object/],
    ['a ref of 65 characters', { request: 'value', id: 1, ref: 'x'.repeat(65), map: 0, index: [0, 0] }, true, /ref expected/],
  ])('answers %s with an error event', (_label, data, hasId, error) => {
    locals = { x: zeros([2, 2]) };
    const answer = ask(openInspector(), data);
    expect(answer['event']).toBe('error');
    expect('id' in answer).toBe(hasId);
    expect(answer['error']).toMatch(error);
    expect(String(answer['error']).length).toBeLessThan(300);
  });

  it('answers an unknown ref (a saved notebook, a restarted kernel) with a hint, and keeps going', () => {
    const id = openInspector();
    const answer = ask(id, { request: 'value', id: 9, ref: 'deadbeef-1', map: 0, index: [0, 0] });
    expect(answer['error']).toMatch(new RegExp(`^inspector value: ref expected the ref of a tensor this kernel showed, got "deadbeef-1"; hint: only the last ${MAX_SHOWN} `));
    locals = { x: zeros([1]) };
    expect(ask(id, { request: 'state' })['event']).toBe('state');
  });

  it("ignores a second comm_open with an open comm's id: the first keeps working", () => {
    const id = openInspector();
    receiveComm('comm_open', { comm_id: id, target_name: INSPECTOR_TARGET, data: {} }, {}, []);
    expect(ask(id, { request: 'state' })['event']).toBe('state');
  });

  it(`closes an inspector opened past ${MAX_INSPECTORS} at once, and takes new ones when others close`, () => {
    const ids = Array.from({ length: MAX_INSPECTORS }, openInspector);
    const extra = openInspector();
    expect(sent.at(-1)).toEqual({ type: 'comm_close', content: { comm_id: extra, data: { error: expect.stringMatching(/at most 32/) } } });
    expect(messagesOn(extra)).toEqual([]);
    receiveComm('comm_close', { comm_id: ids[0]!, data: {} }, {}, []);
    const later = openInspector();
    expect(messagesOn(later)[0]!['event']).toBe('state');
  });
});
