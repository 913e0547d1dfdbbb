/**
 * The inspector comm's messages as the frontend reads them (extension/src/plugin/messages.ts): hostile input
 * refused with a reason, sizes bounded, and the panel's and status bar's texts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ROWS, parseMessage, rowCells, statusText, type InspectorState } from '../../../extension/src/plugin/messages';

const row = { name: 'y', shape: [1, 8, 26, 26], bytes: 21632, backend: 'cpu', op: 'conv2d' };
const state = { event: 'state', backend: 'wasm', renderer: null, tensors: [row], memory: { bytes: 21632, count: 1 } };

describe('parseMessage', () => {
  it('reads a state event', () => {
    expect(parseMessage(state)).toEqual({
      event: 'state',
      state: { event: 'state', backend: 'wasm', renderer: null, tensors: [row], memory: { bytes: 21632, count: 1 } },
    });
  });

  it('keeps the first rows of an oversized list and cuts long names', () => {
    const tensors = Array.from({ length: MAX_ROWS + 20 }, (_, i) => ({ ...row, name: `t${i}` }));
    tensors[0] = { ...row, name: 'n'.repeat(10_000) };
    const parsed = parseMessage({ ...state, tensors });
    if (parsed.event !== 'state') throw new Error(`expected a state, got ${JSON.stringify(parsed)}`);
    expect(parsed.state.tensors).toHaveLength(MAX_ROWS);
    expect(parsed.state.tensors[0]!.name.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['not an object', 'state', /expected an object/],
    ['an unknown event', { event: 'boom' }, /event: expected/],
    ['a row without a shape', { ...state, tensors: [{ ...row, shape: 'big' }] }, /tensors\[0\]\.shape/],
    ['a negative size', { ...state, tensors: [{ ...row, bytes: -1 }] }, /tensors\[0\]\.bytes/],
    ['a name that is not text', { ...state, tensors: [{ ...row, name: { toString: 1 } }] }, /tensors\[0\]\.name: expected a string/],
    ['memory missing', { ...state, memory: undefined }, /memory/],
    ['a featuremap answer with neither bundle nor error', { event: 'featuremap', id: 1, name: 'y' }, /bundle or an error/],
    ['a value answer without id', { event: 'value', value: 1 }, /id/],
    ['a value answer with neither value nor error', { event: 'value', id: 2, value: 'one' }, /number or an error/],
  ])('refuses %s with a reason', (_, data, reason) => {
    const parsed = parseMessage(data);
    expect(parsed.event).toBe('invalid');
    expect(parsed.event === 'invalid' && parsed.error).toMatch(reason);
  });

  it('reads answers: a bundle, an error, a value', () => {
    expect(parseMessage({ event: 'featuremap', id: 4, name: 'y', bundle: { data: { 'text/plain': 'y' } } })).toEqual({
      event: 'featuremap',
      answer: { event: 'featuremap', id: 4, name: 'y', bundle: { data: { 'text/plain': 'y' }, metadata: {} } },
    });
    expect(parseMessage({ event: 'featuremap', id: 5, name: 'q', error: 'no tensor q' })).toEqual({
      event: 'featuremap',
      answer: { event: 'featuremap', id: 5, name: 'q', error: 'no tensor q' },
    });
    expect(parseMessage({ event: 'value', id: 6, value: -0.5 })).toEqual({ event: 'value', answer: { event: 'value', id: 6, value: -0.5 } });
    // The kernel's refusal of a request it could not read: with the id when it had one.
    expect(parseMessage({ event: 'error', id: 7, error: 'bad index' })).toEqual({ event: 'error', id: 7, error: 'bad index' });
    expect(parseMessage({ event: 'error', error: 'no state' })).toEqual({ event: 'error', error: 'no state' });
  });
});

describe('texts', () => {
  const s: InspectorState = { event: 'state', backend: 'wasm', renderer: null, tensors: [row], memory: { bytes: 3 * 1024 * 1024, count: 2 } };
  it('status: backend, renderer when there is one, tensors and memory', () => {
    expect(statusText(s)).toBe('ConvLab · wasm · 2 tensors · 3.0 MiB');
    expect(statusText({ ...s, renderer: 'webgpu', memory: { bytes: 512, count: 1 } })).toBe('ConvLab · wasm · webgpu · 1 tensor · 512 B');
  });

  it('row cells in column order, a dash for no op', () => {
    expect(rowCells(row)).toEqual(['y', '[1,8,26,26]', '21.1 KiB', 'cpu', 'conv2d']);
    expect(rowCells({ ...row, op: null })[4]).toBe('—');
  });
});
