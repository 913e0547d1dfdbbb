/**
 * Jupyter widgets for ConvLab notebooks: controls, boxes, an output area and `interact`, drawn by the standard
 * widget frontend (jupyterlab_widgets) over the Jupyter widget protocol 2.1.0.
 *
 * @example
 * const k = intSlider({ value: 3, min: 1, max: 7, description: 'kernel' });
 * k.observe('value', ({ new: size }) => console.log(`kernel ${size}×${size}`));
 * k; // the slider, in the cell's output
 */
export { Widget, ChildModel, WIDGET_PROTOCOL_VERSION, WIDGET_TARGET, WIDGET_CONTROL_TARGET, WIDGET_VIEW_MIME, MAX_FRONTEND_STATE_BYTES } from './model';
export type { AnyWidget, Change, Json, WireState, ModelSpec } from './model';
export { intSlider, floatSlider, dropdown, toggleButtons, checkbox, text, html, label, button, hbox, vbox, Slider, Selection, ValueControl, Button, Box, MAX_OPTIONS } from './controls';
export type { ValueWidget, ValueOf, SliderTraits, SliderOptions, SelectionOption, SelectionTraits, SelectionOptions, ValueTraits, ButtonTraits, BoxTraits } from './controls';
export { output, Output, MAX_OUTPUTS, MAX_STREAM_CHARS } from './output';
export type { OutputItem, OutputTraits, Captured } from './output';
export { interact } from './interact';
export type { InteractValues } from './interact';
