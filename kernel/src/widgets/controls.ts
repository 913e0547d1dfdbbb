/**
 * The controls (ipywidgets' `@jupyter-widgets/controls` 2.0.0 models): sliders, selections, a checkbox, text,
 * HTML, a label, a button and boxes. Each is a typed {@link Widget}: camelCase traits in the kernel, ipywidgets'
 * snake_case attributes on the wire, with the defaults of ipywidgets 8's schema (packages/schema).
 */
import { inspect } from 'util';
import { fail } from '../errors';
import {
  checkBoolean,
  checkNumber,
  checkString,
  describeValue,
  domAttributes,
  guarded,
  modelRef,
  styleModel,
  Widget,
  type AnyWidget,
  type ModelSpec,
  type WireState,
} from './model';

/**
 * A widget with a `value` trait: what {@link interact} reads and observes. (Structural, as {@link AnyWidget}:
 * a slider is a `Widget<SliderTraits>`, not a `Widget<{ value: number }>`.)
 */
export interface ValueWidget<V> extends AnyWidget {
  value: V;
  observe(key: 'value', handler: (change: { name: 'value'; old: V; new: V }) => unknown): () => void;
}

/** The value of a value widget's type, e.g. `number` for an `IntSlider`. */
export type ValueOf<W> = W extends { value: infer V } ? V : never;

/** Traits every described control has: the label left of it and whether it takes input. */
interface Described {
  description: string;
  disabled: boolean;
}

const described = (traits: Described): WireState => ({ description: traits.description, disabled: traits.disabled });

/** The description-only part of the wire state for widgets that cannot be disabled (HTML, Label). */
const DESCRIPTION_FIXED: WireState = { description_allow_html: false };

function checkDescribed<T extends Described>(op: string, traits: T): T {
  checkString(op, 'description', traits.description);
  checkBoolean(op, 'disabled', traits.disabled);
  return traits;
}

// --- sliders -------------------------------------------------------------------------------------------------

/** A slider's traits. `readoutFormat` is a d3-format string (`'d'`, `'.2f'`) the frontend formats the readout with. */
export interface SliderTraits extends Described {
  value: number;
  min: number;
  max: number;
  step: number;
  continuousUpdate: boolean;
  readoutFormat: string;
}

/** Options of {@link intSlider} and {@link floatSlider}; every field has ipywidgets' default. */
export type SliderOptions = Partial<SliderTraits>;

/** IntSlider and FloatSlider: one class, two models. A value outside [min, max] is clamped, as in ipywidgets. */
export class Slider extends Widget<SliderTraits> {
  protected readonly reprKeys = ['value', 'min', 'max', 'description'] as const;

  /** @internal use {@link intSlider} or {@link floatSlider}. */
  constructor(spec: ModelSpec, traits: SliderTraits) {
    super(spec, traits, {
      ...domAttributes(styleModel('SliderStyleModel', { description_width: '', handle_color: null })),
      ...DESCRIPTION_FIXED,
      behavior: 'drag-tap',
      orientation: 'horizontal',
      readout: true,
    });
  }

  /** The value; setting it sends an update and runs the observers. */
  get value(): number {
    return this.get('value');
  }
  set value(value: number) {
    this.set({ value });
  }

  protected wire(t: SliderTraits): WireState {
    return {
      ...described(t),
      value: t.value,
      min: t.min,
      max: t.max,
      step: t.step,
      continuous_update: t.continuousUpdate,
      readout_format: t.readoutFormat,
    };
  }

  protected normalize(t: SliderTraits): SliderTraits {
    const op = this.spec.op;
    const integer = op === 'intSlider';
    for (const key of ['value', 'min', 'max', 'step'] as const) checkNumber(op, key, t[key], integer);
    if (t.min > t.max) fail({ op, arg: 'min', expected: `at most max (${t.max})`, actual: String(t.min), hint: 'swap min and max' });
    if (t.step <= 0) fail({ op, arg: 'step', expected: 'a positive number', actual: String(t.step) });
    checkBoolean(op, 'continuousUpdate', t.continuousUpdate);
    checkString(op, 'readoutFormat', t.readoutFormat);
    return { ...checkDescribed(op, t), value: Math.min(t.max, Math.max(t.min, t.value)) };
  }

  protected override fromFrontend(key: string, value: unknown): Partial<SliderTraits> | undefined {
    return key === 'value' ? { value: checkNumber(this.spec.op, 'value', value, this.spec.op === 'intSlider') } : undefined;
  }
}

const SLIDER_DEFAULTS = { description: '', disabled: false, continuousUpdate: true } as const;

/**
 * An integer slider (`IntSliderModel`): value in [min, max] by step; defaults 0, 0, 100, 1.
 *
 * @example
 * const k = intSlider({ value: 3, min: 1, max: 7, description: 'kernel' });
 * String(k);    // "IntSlider(value=3, min=1, max=7, description='kernel')"
 * k.value = 5;  // the slider moves in every view
 */
export function intSlider(options: SliderOptions = {}): Slider {
  return new Slider(
    { op: 'intSlider', model: 'IntSliderModel', view: 'IntSliderView', module: 'controls' },
    { ...SLIDER_DEFAULTS, value: 0, min: 0, max: 100, step: 1, readoutFormat: 'd', ...options },
  );
}

/**
 * A float slider (`FloatSliderModel`): defaults value 0, min 0, max 100, step 0.1, readout `'.2f'`.
 *
 * @example
 * const lr = floatSlider({ value: 0.1, min: 0, max: 1, step: 0.01, readoutFormat: '.3f' });
 * lr.value; // 0.1
 */
export function floatSlider(options: SliderOptions = {}): Slider {
  return new Slider(
    { op: 'floatSlider', model: 'FloatSliderModel', view: 'FloatSliderView', module: 'controls' },
    { ...SLIDER_DEFAULTS, value: 0, min: 0, max: 100, step: 0.1, readoutFormat: '.2f', ...options },
  );
}

// --- selections ----------------------------------------------------------------------------------------------

/** One option: a value shown as its text, or `[label, value]`. */
export type SelectionOption<T> = T | readonly [label: string, value: T];

/** A selection's traits: the options and the chosen value (one of them). */
export interface SelectionTraits<T> extends Described {
  options: readonly SelectionOption<T>[];
  value: T;
  tooltips: readonly string[];
}

/** Options of {@link dropdown} and {@link toggleButtons}. */
export interface SelectionOptions<T> {
  options: readonly SelectionOption<T>[];
  /** The chosen value; the first option's when left out. */
  value?: T;
  description?: string;
  disabled?: boolean;
  /** Toggle buttons only: one tooltip per button. */
  tooltips?: readonly string[];
}

/** The most options a selection takes (each is a label sent to every view). */
export const MAX_OPTIONS = 10_000;

/**
 * Dropdown and ToggleButtons: the frontend shows `_options_labels` and sends the chosen `index`; the kernel
 * keeps the typed values. When the options change and the value is not among them, the first is chosen.
 */
export class Selection<T> extends Widget<SelectionTraits<T>> {
  protected readonly reprKeys = ['value', 'description'] as const;

  /** @internal use {@link dropdown} or {@link toggleButtons}. */
  constructor(spec: ModelSpec, traits: SelectionTraits<T>, fixed: WireState) {
    super(spec, traits, fixed);
  }

  /** The chosen value. */
  get value(): T {
    return this.get('value');
  }
  set value(value: T) {
    this.set({ value });
  }

  /** The chosen option's position in `options`. */
  get index(): number {
    return indexOf(this.get('options'), this.get('value'));
  }

  /** The chosen option's label. */
  get label(): string {
    return labelOf(this.get('options')[this.index]);
  }

  protected wire(t: SelectionTraits<T>): WireState {
    const wire: WireState = { ...described(t), _options_labels: t.options.map(labelOf), index: indexOf(t.options, t.value) };
    return this.spec.op === 'toggleButtons' ? { ...wire, tooltips: [...t.tooltips] } : wire;
  }

  protected normalize(t: SelectionTraits<T>): SelectionTraits<T> {
    const op = this.spec.op;
    checkDescribed(op, t);
    if (!Array.isArray(t.options) || t.options.length === 0 || t.options.length > MAX_OPTIONS) {
      fail({ op, arg: 'options', expected: `a list of 1 to ${MAX_OPTIONS} values or [label, value] pairs`, actual: describeValue(t.options) });
    }
    if (!Array.isArray(t.tooltips) || t.tooltips.some((tip) => typeof tip !== 'string')) {
      fail({ op, arg: 'tooltips', expected: 'a list of strings', actual: describeValue(t.tooltips) });
    }
    const found = indexOf(t.options, t.value) >= 0;
    return found ? t : { ...t, value: valueOf(t.options[0]!) };
  }

  protected override fromFrontend(key: string, value: unknown): Partial<SelectionTraits<T>> | undefined {
    if (key !== 'index') return undefined;
    const options = this.get('options');
    const index = checkNumber(this.spec.op, 'index', value, true);
    if (index < 0 || index >= options.length) fail({ op: this.spec.op, arg: 'index', expected: `0 … ${options.length - 1}`, actual: String(index) });
    return { value: valueOf(options[index]!) };
  }

  /** A value given that is not among the options is an error at creation and in `set`. */
  override set(partial: Partial<SelectionTraits<T>>): void {
    if ('value' in partial && indexOf(partial.options ?? this.get('options'), partial.value as T) < 0) {
      fail({ op: this.spec.op, arg: 'value', expected: 'one of the options', actual: describeValue(partial.value), hint: `choose one of ${(partial.options ?? this.get('options')).map(labelOf).join(', ')}` });
    }
    super.set(partial);
  }
}

const isPair = <T>(option: SelectionOption<T>): option is readonly [string, T] =>
  Array.isArray(option) && option.length === 2 && typeof option[0] === 'string';

function valueOf<T>(option: SelectionOption<T>): T {
  return isPair(option) ? option[1] : (option as T);
}

function labelOf<T>(option: SelectionOption<T> | undefined): string {
  if (option === undefined) return '';
  if (isPair(option)) return option[0];
  return typeof option === 'string' ? option : inspect(option, { depth: 0, breakLength: Infinity });
}

function indexOf<T>(options: readonly SelectionOption<T>[], value: T): number {
  return Array.isArray(options) ? options.findIndex((option) => Object.is(valueOf(option), value)) : -1;
}

function selectionTraits<T>(op: string, options: SelectionOptions<T>): SelectionTraits<T> {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.options) || options.options.length === 0) {
    fail({ op, arg: 'options.options', expected: 'a non-empty list of values or [label, value] pairs', actual: describeValue(options?.options), hint: `${op}({ options: ['same', 'valid'] })` });
  }
  const value = 'value' in options ? (options.value as T) : valueOf(options.options[0]!);
  if (indexOf(options.options, value) < 0) {
    fail({ op, arg: 'options.value', expected: 'one of the options', actual: describeValue(value), hint: `choose one of ${options.options.map(labelOf).join(', ')}` });
  }
  return { options: options.options, value, description: options.description ?? '', disabled: options.disabled ?? false, tooltips: options.tooltips ?? [] };
}

/**
 * A dropdown (`DropdownModel`) of typed options; `.value` is the chosen option's value.
 *
 * @example
 * const mode = dropdown({ options: ['zeros', 'reflect', 'replicate'] as const, description: 'pad' });
 * mode.value; // 'zeros'
 * const k = dropdown({ options: [['3×3', 3], ['5×5', 5]] });
 * k.value;    // 3 (its label '3×3')
 */
export function dropdown<T>(options: SelectionOptions<T>): Selection<T> {
  return new Selection(
    { op: 'dropdown', model: 'DropdownModel', view: 'DropdownView', module: 'controls' },
    selectionTraits('dropdown', options),
    { ...domAttributes(styleModel('DescriptionStyleModel', { description_width: '' })), ...DESCRIPTION_FIXED },
  );
}

/**
 * A row of toggle buttons (`ToggleButtonsModel`), one per option, with optional tooltips.
 *
 * @example
 * const padding = toggleButtons({ options: ['valid', 'same', 'full'] as const, value: 'same' });
 * padding.value; // 'same'
 */
export function toggleButtons<T>(options: SelectionOptions<T>): Selection<T> {
  return new Selection(
    { op: 'toggleButtons', model: 'ToggleButtonsModel', view: 'ToggleButtonsView', module: 'controls' },
    selectionTraits('toggleButtons', options),
    {
      ...domAttributes(styleModel('ToggleButtonsStyleModel', { button_width: '', description_width: '', font_weight: '' })),
      ...DESCRIPTION_FIXED,
      button_style: '',
      icons: [],
    },
  );
}

// --- checkbox, text, HTML, label -----------------------------------------------------------------------------

/** Traits of widgets holding one string or boolean value. */
export interface ValueTraits<V> extends Described {
  value: V;
  placeholder: string;
}

/**
 * Checkbox, Text, HTML and Label: one value of a fixed type. `editable` says whether the frontend may set it
 * (a checkbox's tick, a text box's text; never an HTML widget's HTML).
 */
export class ValueControl<V extends string | boolean> extends Widget<ValueTraits<V>> {
  protected readonly reprKeys = ['value', 'description'] as const;

  /** @internal use {@link checkbox}, {@link text}, {@link html} or {@link label}. */
  constructor(
    spec: ModelSpec,
    traits: ValueTraits<V>,
    fixed: WireState,
    private readonly editable: boolean = false,
  ) {
    super(spec, traits, fixed);
  }

  /** The value. */
  get value(): V {
    return this.get('value');
  }
  set value(value: V) {
    this.set({ value });
  }

  protected wire(t: ValueTraits<V>): WireState {
    const wire: WireState = { description: t.description, value: t.value };
    if (this.spec.op === 'checkbox') return { ...wire, disabled: t.disabled };
    if (this.spec.op === 'text') return { ...wire, disabled: t.disabled, placeholder: t.placeholder };
    return { ...wire, placeholder: t.placeholder };
  }

  protected normalize(t: ValueTraits<V>): ValueTraits<V> {
    const op = this.spec.op;
    if (op === 'checkbox') checkBoolean(op, 'value', t.value);
    else checkString(op, 'value', t.value);
    checkString(op, 'placeholder', t.placeholder);
    return checkDescribed(op, t);
  }

  protected override fromFrontend(key: string, value: unknown): Partial<ValueTraits<V>> | undefined {
    if (key !== 'value' || !this.editable) return undefined;
    const op = this.spec.op;
    return { value: (op === 'checkbox' ? checkBoolean(op, 'value', value) : checkString(op, 'value', value)) as V };
  }
}

const EMPTY_PLACEHOLDER = '\u200b';

/**
 * A checkbox (`CheckboxModel`).
 * @example
 * const bias = checkbox({ value: true, description: 'bias' });
 * bias.value; // true
 */
export function checkbox(options: { value?: boolean; description?: string; disabled?: boolean } = {}): ValueControl<boolean> {
  return new ValueControl<boolean>(
    { op: 'checkbox', model: 'CheckboxModel', view: 'CheckboxView', module: 'controls' },
    { value: false, description: '', disabled: false, placeholder: '', ...options },
    { ...domAttributes(styleModel('CheckboxStyleModel', { background: null, description_width: '' })), ...DESCRIPTION_FIXED, indent: true },
    true,
  );
}

/**
 * A one-line text box (`TextModel`); the frontend sends the text as it is typed.
 * @example
 * const name = text({ placeholder: 'layer name' });
 * name.value; // ''
 */
export function text(options: { value?: string; description?: string; placeholder?: string; disabled?: boolean } = {}): ValueControl<string> {
  return new ValueControl<string>(
    { op: 'text', model: 'TextModel', view: 'TextView', module: 'controls' },
    { value: '', description: '', disabled: false, placeholder: EMPTY_PLACEHOLDER, ...options },
    {
      ...domAttributes(styleModel('TextStyleModel', { background: null, description_width: '', font_size: null, text_color: null })),
      ...DESCRIPTION_FIXED,
      continuous_update: true,
    },
    true,
  );
}

/**
 * HTML the kernel writes (`HTMLModel`; the frontend shows it as HTML): put any string that is not your own markup
 * through `escapeHtml` first.
 * @example
 * const note = html({ value: `<b>stride 2</b> halves ${escapeHtml(name)}` });
 */
export function html(options: { value: string; description?: string }): ValueControl<string> {
  return new ValueControl<string>(
    { op: 'html', model: 'HTMLModel', view: 'HTMLView', module: 'controls' },
    { description: '', disabled: false, placeholder: EMPTY_PLACEHOLDER, ...options },
    { ...domAttributes(styleModel('HTMLStyleModel', { background: null, description_width: '', font_size: null, text_color: null })), ...DESCRIPTION_FIXED },
  );
}

/**
 * Plain text (`LabelModel`), shown as text, never as HTML.
 * @example
 * const status = label({ value: 'output [1,8,26,26]' });
 */
export function label(options: { value: string }): ValueControl<string> {
  return new ValueControl<string>(
    { op: 'label', model: 'LabelModel', view: 'LabelView', module: 'controls' },
    { description: '', disabled: false, placeholder: EMPTY_PLACEHOLDER, ...options },
    {
      ...domAttributes(
        styleModel('LabelStyleModel', {
          background: null, description_width: '', font_family: null, font_size: null, font_style: null,
          font_variant: null, font_weight: null, text_color: null, text_decoration: null,
        }),
      ),
      ...DESCRIPTION_FIXED,
    },
  );
}

// --- button --------------------------------------------------------------------------------------------------

/** A button's traits. `buttonStyle`: `''`, `'primary'`, `'success'`, `'info'`, `'warning'` or `'danger'`. */
export interface ButtonTraits {
  description: string;
  disabled: boolean;
  buttonStyle: '' | 'primary' | 'success' | 'info' | 'warning' | 'danger';
}

const BUTTON_STYLES = ['', 'primary', 'success', 'info', 'warning', 'danger'] as const;

/** A button (`ButtonModel`): the frontend sends `{ method: 'custom', content: { event: 'click' } }`. */
export class Button extends Widget<ButtonTraits> {
  protected readonly reprKeys = ['description'] as const;
  private clickHandlers: ((button: Button) => unknown)[] = [];

  /** @internal use {@link button}. */
  constructor(traits: ButtonTraits) {
    super({ op: 'button', model: 'ButtonModel', view: 'ButtonView', module: 'controls' }, traits, {
      ...domAttributes(
        styleModel('ButtonStyleModel', {
          button_color: null, font_family: null, font_size: null, font_style: null, font_variant: null,
          font_weight: null, text_color: null, text_decoration: null,
        }),
      ),
      icon: '',
    });
  }

  /** Runs `handler` on every click; returns a function that removes it. */
  onClick(handler: (button: Button) => unknown): () => void {
    this.clickHandlers.push(handler);
    return () => {
      this.clickHandlers = this.clickHandlers.filter((other) => other !== handler);
    };
  }

  /** Clicks it from the kernel: runs the click handlers, as a click in a view does. */
  click(): void {
    for (const handler of [...this.clickHandlers]) guarded(this, () => handler(this));
  }

  protected wire(t: ButtonTraits): WireState {
    return { description: t.description, disabled: t.disabled, button_style: t.buttonStyle };
  }

  protected normalize(t: ButtonTraits): ButtonTraits {
    checkString('button', 'description', t.description);
    checkBoolean('button', 'disabled', t.disabled);
    if (!BUTTON_STYLES.includes(t.buttonStyle)) {
      fail({ op: 'button', arg: 'buttonStyle', expected: `one of ${BUTTON_STYLES.map((s) => `'${s}'`).join(', ')}`, actual: describeValue(t.buttonStyle) });
    }
    return t;
  }

  protected override onCustom(content: Record<string, unknown>): void {
    if (content['event'] === 'click' && !this.get('disabled')) this.click();
  }
}

/**
 * A button that runs `onClick` when clicked.
 * @example
 * const again = button({ description: 'resample', onClick: () => display(randn([1, 1, 4, 4])) });
 */
export function button(options: { description: string; disabled?: boolean; buttonStyle?: ButtonTraits['buttonStyle']; onClick?: (button: Button) => unknown }): Button {
  const widget = new Button({ description: options.description, disabled: options.disabled ?? false, buttonStyle: options.buttonStyle ?? '' });
  if (options.onClick) widget.onClick(options.onClick);
  return widget;
}

// --- boxes ---------------------------------------------------------------------------------------------------

/** A box's traits: the widgets it lays out. */
export interface BoxTraits {
  children: readonly AnyWidget[];
}

/** HBox and VBox (`HBoxModel`, `VBoxModel`): children as `IPY_MODEL_<id>` references, in order. */
export class Box extends Widget<BoxTraits> {
  protected readonly reprKeys = ['children'] as const;

  /** @internal use {@link hbox} or {@link vbox}. */
  constructor(spec: ModelSpec, children: readonly AnyWidget[]) {
    super(spec, { children }, { ...domAttributes(), box_style: '' });
  }

  /** The widgets it holds. */
  get children(): readonly AnyWidget[] {
    return this.get('children');
  }

  protected wire(t: BoxTraits): WireState {
    return { children: t.children.map(modelRef) };
  }

  protected normalize(t: BoxTraits): BoxTraits {
    const op = this.spec.op;
    if (!Array.isArray(t.children)) fail({ op, arg: 'children', expected: 'a list of widgets', actual: describeValue(t.children) });
    const bad = t.children.findIndex((child) => !(child instanceof Widget));
    if (bad >= 0) fail({ op, arg: `children[${bad}]`, expected: 'a widget', actual: describeValue(t.children[bad]), hint: 'wrap text in label({ value }) and values in a control' });
    return { children: [...t.children] };
  }
}

/**
 * Lays widgets out in a row.
 * @example
 * hbox([intSlider({ description: 'k' }), checkbox({ description: 'bias' })]);
 */
export function hbox(children: readonly AnyWidget[]): Box {
  return new Box({ op: 'hbox', model: 'HBoxModel', view: 'HBoxView', module: 'controls' }, children);
}

/**
 * Lays widgets out in a column.
 * @example
 * vbox([intSlider({ description: 'k' }), output()]);
 */
export function vbox(children: readonly AnyWidget[]): Box {
  return new Box({ op: 'vbox', model: 'VBoxModel', view: 'VBoxView', module: 'controls' }, children);
}
