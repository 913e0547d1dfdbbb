/**
 * The widget protocol as ipywidgets 8 speaks it: what `comm_open` carries, kernel updates, frontend updates
 * (validated, echoed, answered), `request_state`, the control comm's `request_states`, and the display bundle.
 */
import { describe, expect, it, vi } from 'vitest';
import { commInfo, receiveComm } from '../../../kernel/src/comm';
import { formatValue } from '../../../kernel/src/display/display';
import { type AnyWidget, button, dropdown, hbox, intSlider, floatSlider, text, toggleButtons, checkbox, html, label } from '../../../kernel/src/index';
import { openWidgetIds } from '../../../kernel/src/widgets/model';
import { fromFrontend, messagesOn, openedState, recordComms } from './support';

const sent = recordComms();

describe('comm_open', () => {
  it('an intSlider opens its layout and style models first, then itself with the full state and protocol 2.1.0', () => {
    const slider = intSlider({ value: 3, min: 1, max: 7, description: 'k' });
    expect(sent.map((m) => m.type)).toEqual(['comm_open', 'comm_open', 'comm_open']);
    for (const m of sent) {
      expect(m.content['target_name']).toBe('jupyter.widget');
      expect(m.metadata).toEqual({ version: '2.1.0' });
      expect((m.content['data'] as { buffer_paths: unknown }).buffer_paths).toEqual([]);
    }
    expect(sent[2]!.content['comm_id']).toBe(slider.modelId);
    const state = openedState(sent, slider.modelId);
    expect(state).toMatchObject({
      _model_name: 'IntSliderModel',
      _model_module: '@jupyter-widgets/controls',
      _model_module_version: '2.0.0',
      _view_name: 'IntSliderView',
      _view_module: '@jupyter-widgets/controls',
      _view_module_version: '2.0.0',
      _view_count: null,
      _dom_classes: [],
      value: 3,
      min: 1,
      max: 7,
      step: 1,
      description: 'k',
      description_allow_html: false,
      disabled: false,
      continuous_update: true,
      orientation: 'horizontal',
      readout: true,
      readout_format: 'd',
      behavior: 'drag-tap',
      tabbable: null,
      tooltip: null,
    });
    // Each child model is referred to by id, and is the model ipywidgets would open.
    const ids = sent.map((m) => String(m.content['comm_id']));
    const refs = [state['style'], state['layout']];
    expect(refs.sort()).toEqual([`IPY_MODEL_${ids[0]}`, `IPY_MODEL_${ids[1]}`].sort());
    const children = [openedState(sent, ids[0]!), openedState(sent, ids[1]!)];
    const layout = children.find((s) => s['_model_name'] === 'LayoutModel')!;
    expect(layout).toMatchObject({ _model_module: '@jupyter-widgets/base', _model_module_version: '2.0.0', _view_name: 'LayoutView', width: null, grid_area: null });
    const style = children.find((s) => s['_model_name'] === 'SliderStyleModel')!;
    expect(style).toMatchObject({ _model_module: '@jupyter-widgets/controls', _view_module: '@jupyter-widgets/base', _view_name: 'StyleView', description_width: '', handle_color: null });
  });

  const cases: [string, () => AnyWidget, string, Record<string, unknown>][] = [
    ['floatSlider', () => floatSlider(), 'FloatSliderModel', { value: 0, step: 0.1, readout_format: '.2f' }],
    ['dropdown', () => dropdown({ options: [['3×3', 3], ['5×5', 5]] }), 'DropdownModel', { _options_labels: ['3×3', '5×5'], index: 0 }],
    ['toggleButtons', () => toggleButtons({ options: ['a', 'b'], value: 'b', tooltips: ['A', 'B'] }), 'ToggleButtonsModel', { _options_labels: ['a', 'b'], index: 1, tooltips: ['A', 'B'], icons: [], button_style: '' }],
    ['checkbox', () => checkbox({ value: true }), 'CheckboxModel', { value: true, indent: true }],
    ['text', () => text({ placeholder: 'name' }), 'TextModel', { value: '', placeholder: 'name', continuous_update: true }],
    ['html', () => html({ value: '<b>x</b>' }), 'HTMLModel', { value: '<b>x</b>', placeholder: '\u200b' }],
    ['label', () => label({ value: 'x' }), 'LabelModel', { value: 'x' }],
    ['button', () => button({ description: 'go' }), 'ButtonModel', { description: 'go', button_style: '', icon: '', disabled: false }],
  ];
  it.each(cases)('%s opens %s', (_name, make, model, expected) => {
    const widget = make();
    expect(openedState(sent, widget.modelId)).toMatchObject({ _model_name: model, ...expected });
  });

  it('a box refers to its children by IPY_MODEL_ id, in order', () => {
    const a = intSlider();
    const b = checkbox();
    const box = hbox([a, b]);
    expect(openedState(sent, box.modelId)).toMatchObject({ _model_name: 'HBoxModel', _view_name: 'HBoxView', box_style: '', children: [`IPY_MODEL_${a.modelId}`, `IPY_MODEL_${b.modelId}`] });
  });
});

describe('display', () => {
  it('a widget shows as the widget-view MIME (version 2.0) with a text/plain like ipywidgets', () => {
    const slider = intSlider({ value: 3, min: 1, max: 7 });
    expect(formatValue(slider).data).toEqual({
      'text/plain': 'IntSlider(value=3, min=1, max=7)',
      'application/vnd.jupyter.widget-view+json': { version_major: 2, version_minor: 0, model_id: slider.modelId },
    });
    expect(String(dropdown({ options: ['same', 'valid'], description: 'pad' }))).toBe("Dropdown(value='same', description='pad')");
  });
});

describe('kernel-side changes', () => {
  it('set sends one update with the changed attributes only, then runs the observers of the changed traits', () => {
    const slider = intSlider({ value: 3, max: 10 });
    const changes: unknown[] = [];
    slider.observe('value', (change) => changes.push({ name: change.name, old: change.old, new: change.new, owner: change.owner === slider }));
    sent.length = 0;
    slider.set({ value: 4, description: 'k' });
    expect(messagesOn(sent, slider.modelId)).toEqual([{ method: 'update', state: { value: 4, description: 'k' }, buffer_paths: [] }]);
    expect(changes).toEqual([{ name: 'value', old: 3, new: 4, owner: true }]);
    slider.value = 4; // unchanged: nothing sent, nobody told
    expect(messagesOn(sent, slider.modelId)).toHaveLength(1);
    expect(changes).toHaveLength(1);
  });

  it('a value outside [min, max] is clamped, as ipywidgets does; lowering max moves the value', () => {
    const slider = intSlider({ value: 50 });
    slider.value = 500;
    expect(slider.value).toBe(100);
    slider.set({ max: 20 });
    expect(slider.value).toBe(20);
  });

  it('the unsubscribe function removes an observer', () => {
    const slider = intSlider();
    const seen: number[] = [];
    const stop = slider.observe(['value', 'max'], (change) => seen.push(Number(change.new)));
    slider.value = 1;
    stop();
    slider.value = 2;
    expect(seen).toEqual([1]);
  });

  it('bad arguments fail with the function, the argument, expected and actual', () => {
    expect(() => intSlider({ min: 5, max: 1 })).toThrow(/^intSlider: min expected at most max \(1\), got 5; hint: swap min and max$/);
    expect(() => intSlider({ value: 2.5 })).toThrow(/^intSlider: value expected an integer, got 2\.5/);
    expect(() => floatSlider({ step: 0 })).toThrow(/^floatSlider: step expected a positive number, got 0/);
    expect(() => dropdown({ options: [] })).toThrow(/^dropdown: options\.options expected a non-empty list/);
    expect(() => dropdown({ options: ['a', 'b'], value: 'c' })).toThrow(/^dropdown: options\.value expected one of the options, got 'c'; hint: choose one of a, b$/);
    const d = dropdown({ options: ['a', 'b'] });
    expect(() => d.set({ value: 'z' })).toThrow(/^dropdown: value expected one of the options, got 'z'/);
    expect(d.value).toBe('a');
    expect(() => hbox([intSlider(), 'text' as never])).toThrow(/^hbox: children\[1\] expected a widget, got 'text'/);
  });
});

describe('frontend updates', () => {
  it('an accepted value is applied, echoed (echo_update) and observed', () => {
    const slider = intSlider({ value: 3, max: 10 });
    const seen: number[] = [];
    slider.observe('value', ({ new: value }) => seen.push(value));
    sent.length = 0;
    fromFrontend(slider.modelId, { method: 'update', state: { value: 5 }, buffer_paths: [] });
    expect(slider.value).toBe(5);
    expect(seen).toEqual([5]);
    expect(messagesOn(sent, slider.modelId)).toEqual([{ method: 'echo_update', state: { value: 5 }, buffer_paths: [] }]);
  });

  it.each([
    ['a string', 'five'],
    ['a fraction for an integer slider', 2.5],
    ['null', null],
    ['an object', { value: 1 }],
    ['Infinity as JSON cannot carry it, but NaN-like junk', 'NaN'],
  ])('%s is refused: the kernel keeps its value, answers with it, and no observer runs', (_what, bad) => {
    const slider = intSlider({ value: 3 });
    const seen: number[] = [];
    slider.observe('value', ({ new: value }) => seen.push(value));
    sent.length = 0;
    fromFrontend(slider.modelId, { method: 'update', state: { value: bad }, buffer_paths: [] });
    expect(slider.value).toBe(3);
    expect(seen).toEqual([]);
    // As ipywidgets 8: what came in is echoed (the sender's pending echo clears), then the kernel's value follows.
    expect(messagesOn(sent, slider.modelId)).toEqual([
      { method: 'echo_update', state: { value: bad }, buffer_paths: [] },
      { method: 'update', state: { value: 3 }, buffer_paths: [] },
    ]);
  });

  it('a value past max is clamped and the clamped value is sent back as an update', () => {
    const slider = intSlider({ value: 3, max: 7 });
    sent.length = 0;
    fromFrontend(slider.modelId, { method: 'update', state: { value: 70 } });
    expect(slider.value).toBe(7);
    expect(messagesOn(sent, slider.modelId)).toEqual([
      { method: 'echo_update', state: { value: 70 }, buffer_paths: [] },
      { method: 'update', state: { value: 7 }, buffer_paths: [] },
    ]);
  });

  it('attributes the frontend may not set are answered with the kernel value; unknown keys are ignored', () => {
    const slider = intSlider({ value: 3, max: 7 });
    sent.length = 0;
    fromFrontend(slider.modelId, { method: 'update', state: { max: 1000, value: 4, no_such_key: 1 } });
    expect(slider.get('max')).toBe(7);
    expect(slider.value).toBe(4);
    expect(messagesOn(sent, slider.modelId)).toEqual([
      { method: 'echo_update', state: { max: 1000, value: 4 }, buffer_paths: [] },
      { method: 'update', state: { max: 7 }, buffer_paths: [] },
    ]);
  });

  it('a selection takes an index in range and maps it to the typed value; a bad index is answered', () => {
    const size = dropdown({ options: [['3×3', 3], ['5×5', 5], ['7×7', 7]] as const });
    const seen: number[] = [];
    size.observe('value', ({ new: value }) => seen.push(value));
    fromFrontend(size.modelId, { method: 'update', state: { index: 2 } });
    expect([size.value, size.index, size.label]).toEqual([7, 2, '7×7']);
    sent.length = 0;
    for (const bad of [3, -1, 1.5, '1']) fromFrontend(size.modelId, { method: 'update', state: { index: bad } });
    expect(size.value).toBe(7);
    expect(seen).toEqual([7]);
    expect(messagesOn(sent, size.modelId)).toEqual(
      [3, -1, 1.5, '1'].flatMap((bad) => [
        { method: 'echo_update', state: { index: bad }, buffer_paths: [] },
        { method: 'update', state: { index: 2 }, buffer_paths: [] },
      ]),
    );
  });

  it('text and checkbox values are typed; html and label values are the kernel’s alone', () => {
    const box = checkbox();
    fromFrontend(box.modelId, { method: 'update', state: { value: true } });
    fromFrontend(box.modelId, { method: 'update', state: { value: 'yes' } });
    expect(box.value).toBe(true);
    const field = text();
    fromFrontend(field.modelId, { method: 'update', state: { value: 'conv1' } });
    expect(field.value).toBe('conv1');
    const note = html({ value: '<b>kernel</b>' });
    fromFrontend(note.modelId, { method: 'update', state: { value: '<img src=x onerror=alert(1)>' } });
    expect(note.value).toBe('<b>kernel</b>');
  });

  it('hostile messages never throw: no state, an array, huge state, unknown methods, custom junk', () => {
    const slider = intSlider({ value: 3 });
    const junk = [
      undefined,
      'update',
      { method: 'update' },
      { method: 'update', state: [1, 2] },
      { method: 'update', state: { value: 'x'.repeat(2_000_000) } },
      { method: 'nope' },
      { method: 'custom', content: 'click' },
      { method: 'request_state', extra: {} },
    ];
    for (const data of junk) expect(() => fromFrontend(slider.modelId, data)).not.toThrow();
    expect(slider.value).toBe(3);
  });

  it('an observer that throws is reported on stderr, the others still run, and the message handler does not throw', () => {
    const slider = intSlider();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const seen: number[] = [];
    slider.observe('value', () => {
      throw new Error('observer broke');
    });
    slider.observe('value', ({ new: value }) => seen.push(value));
    try {
      expect(() => fromFrontend(slider.modelId, { method: 'update', state: { value: 9 } })).not.toThrow();
      expect(String(write.mock.calls[0]?.[0])).toMatch(/IntSlider\(value=9, min=0, max=100\): a widget callback threw Error: observer broke/);
    } finally {
      write.mockRestore();
    }
    expect(seen).toEqual([9]);
  });

  it('a button click (custom event) runs the click handlers, not when disabled', () => {
    const clicks: string[] = [];
    const go = button({ description: 'go', onClick: (b) => clicks.push(b.get('description')) });
    fromFrontend(go.modelId, { method: 'custom', content: { event: 'click' } });
    go.set({ disabled: true });
    fromFrontend(go.modelId, { method: 'custom', content: { event: 'click' } });
    expect(clicks).toEqual(['go']);
  });
});

describe('state requests', () => {
  it('request_state is answered with an update of the full state', () => {
    const slider = intSlider({ value: 3 });
    const full = openedState(sent, slider.modelId);
    slider.value = 4;
    sent.length = 0;
    fromFrontend(slider.modelId, { method: 'request_state' });
    expect(messagesOn(sent, slider.modelId)).toEqual([{ method: 'update', state: { ...full, value: 4 }, buffer_paths: [] }]);
  });

  it('jupyter.widget.control answers request_states with every open model (name, module, version, state)', () => {
    const slider = intSlider({ value: 6 });
    receiveComm('comm_open', { comm_id: 'control-1', target_name: 'jupyter.widget.control', data: {} }, { version: '1.0.0' }, []);
    fromFrontend('control-1', { method: 'request_states' });
    const [reply] = messagesOn(sent, 'control-1');
    expect(reply).toMatchObject({ method: 'update_states', buffer_paths: [] });
    const states = reply!['states'] as Record<string, { model_name: string; model_module: string; model_module_version: string; state: Record<string, unknown> }>;
    expect(states[slider.modelId]).toEqual({
      model_name: 'IntSliderModel',
      model_module: '@jupyter-widgets/controls',
      model_module_version: '2.0.0',
      state: openedState(sent, slider.modelId),
    });
    const layoutId = String(openedState(sent, slider.modelId)['layout']).replace('IPY_MODEL_', '');
    expect(states[layoutId]?.model_name).toBe('LayoutModel');
    expect(Object.keys(states).sort()).toEqual(openWidgetIds().sort());
  });

  it('close sends comm_close for the widget and its layout and style, and drops them from comm_info and request_states', () => {
    const slider = intSlider();
    const ids = sent.map((m) => String(m.content['comm_id']));
    slider.close();
    expect(sent.filter((m) => m.type === 'comm_close').map((m) => m.content['comm_id']).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(commInfo()[id]).toBeUndefined();
      expect(openWidgetIds()).not.toContain(id);
    }
    expect(slider.closed).toBe(true);
  });

  it('a frontend comm_close forgets the widget', () => {
    const slider = intSlider();
    receiveComm('comm_close', { comm_id: slider.modelId, data: {} }, {}, []);
    expect(openWidgetIds()).not.toContain(slider.modelId);
    expect(slider.closed).toBe(true);
  });
});
