/**
 * `interact(fn, controls)`, as ipywidgets' `interact`: a column of the controls and an output; `fn` runs once at
 * once with the controls' values, then again after the controls change, with what it prints, displays, returns
 * and throws shown in the output (each run replaces the last one's output).
 */
import { display } from '../display/display';
import { fail } from '../errors';
import { describeValue, Widget } from './model';
import { vbox, type Box, type ValueWidget } from './controls';
import { output } from './output';
import { runInterruptibly } from '../interrupts';

/** The values `fn` gets: each control's `value`, under the control's name. */
export type InteractValues<C extends Record<string, ValueWidget<unknown>>> = { [K in keyof C]: C[K]['value'] };

/**
 * Runs `fn` with the controls' values now and after every change. Changes that arrive together (a burst of
 * slider moves, or `set`s in one cell) are coalesced into one run, after the current event-loop turn; an async
 * `fn` never runs twice at once (a change during a run starts one more run after it). `fn`'s return value, when
 * not undefined, is displayed in the output; what it throws is shown there as an error.
 *
 * @example
 * interact(({ k, padding }) => conv2d(x, randn([1, 1, k, k]), { padding }), {
 *   k: intSlider({ value: 3, min: 1, max: 7, step: 2 }),
 *   padding: toggleButtons({ options: ['valid', 'same'] as const }),
 * }); // a column: slider, buttons, and the feature map of the current choice
 */
export function interact<C extends Record<string, ValueWidget<unknown>>>(fn: (values: InteractValues<C>) => unknown, controls: C): Box {
  if (typeof fn !== 'function') fail({ op: 'interact', arg: 'fn', expected: 'a function of the values', actual: describeValue(fn) });
  if (typeof controls !== 'object' || controls === null) {
    fail({ op: 'interact', arg: 'controls', expected: 'an object of named controls', actual: describeValue(controls), hint: 'interact(({ k }) => k * k, { k: intSlider() })' });
  }
  for (const [name, control] of Object.entries(controls)) {
    if (!(control instanceof Widget) || !('value' in control)) {
      fail({ op: 'interact', arg: `controls.${name}`, expected: 'a control with a value (intSlider, dropdown, …)', actual: describeValue(control), hint: `${name}: intSlider({ value: ${describeValue(control)} })` });
    }
  }
  const out = output();
  const values = (): InteractValues<C> =>
    Object.fromEntries(Object.entries(controls).map(([name, control]) => [name, control.value])) as InteractValues<C>;
  let scheduled = false;
  let running = false;
  let again = false;

  // Each run replaces the last run's output without a blank in between (clear on the first new output); a run
  // that shows nothing clears it at its end.
  const finish = (): void => {
    if (out.clearing) out.clear();
  };
  const run = (): void => {
    out.clear({ wait: true });
    const result = out.capture(() => {
      const value = fn(values());
      return value instanceof Promise ? value.then(show) : show(value);
    });
    if (!(result instanceof Promise)) return finish();
    running = true;
    void result.finally(() => {
      running = false;
      finish();
      if (again) schedule();
    });
  };
  const schedule = (): void => {
    again = false;
    if (scheduled) return;
    scheduled = true;
    // Deferred, so outside the comm handler that saw the change: run as the kernel runs a cell, stoppable.
    setImmediate(() => {
      scheduled = false;
      if (running) again = true;
      else runInterruptibly(run);
    });
  };

  for (const control of Object.values(controls)) control.observe('value', schedule);
  run();
  return vbox([...Object.values(controls), out]);
}

function show(value: unknown): void {
  if (value !== undefined) display(value);
}
