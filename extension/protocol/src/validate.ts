/**
 * Payload validation: the renderer draws only what passed, and a bad payload becomes a readable message that
 * names the first thing wrong (a path such as `panels[1].maps[0].height` and what was expected there).
 *
 * Payloads come from notebooks, and an untrusted notebook's outputs are hostile: every size is bounded against
 * the data actually present (a map's height × width against the bytes of its data, a window's padding against
 * the input and output maps it lies between), so nothing the renderer allocates or loops over can be made
 * large by a few bytes of JSON. Strings are bounded too; they are drawn with `textContent` only, so markup in
 * them stays plain text.
 */
import type { Downsampling, FeatureMap, FeatureMapPanel, FeatureMapPayload, FeatureMapWindow, ShapeTracePayload } from './schema';

/** Either the checked payload or the reason it was refused. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The bounds the validators enforce.
 *
 * - `mapSide`: a map's height or width, and a padded input's side. A 1-D signal is one row, and a 1 MB payload of
 *   8-bit values holds about 750,000 of them, so the bound is 2^20 rather than an image-sized one; the data check
 *   bounds height × width of a non-empty map, this bounds the other axis of a map with a 0-size axis.
 * - `paddedCells`: cells of one padded input map (2048 × 2048), the grid the view draws padding on.
 * - `windowAxes`: spatial axes of a window (1-D, 2-D and 3-D ops).
 *
 * @example PAYLOAD_LIMITS.mapSide; // 1048576
 */
export const PAYLOAD_LIMITS = {
  mapSide: 2 ** 20,
  paddedCells: 2 ** 22,
  windowAxes: 3,
  panels: 8,
  shapeAxes: 8,
  shapeSize: 2 ** 31,
  title: 200,
  label: 200,
  word: 64,
  notes: 64,
  note: 1000,
  colorStops: 32,
  traceRows: 100_000,
  formula: 1000,
  traceError: 4000,
} as const;

type Check = (value: unknown, path: string) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : Array.isArray(v)
      ? `an array of ${v.length}`
      : typeof v === 'string' && v.length > 40
        ? `a string of ${v.length} characters`
        : // String(), not JSON: NaN and Infinity read as themselves, not as null.
          `${typeof v} ${typeof v === 'number' ? String(v) : JSON.stringify(v)?.slice(0, 40)}`;

const string: Check = (v, p) => (typeof v === 'string' ? null : `${p} should be a string, got ${describe(v)}`);
/** A string of at most `max` characters. */
const text =
  (max: number): Check =>
  (v, p) =>
    string(v, p) ?? ((v as string).length <= max ? null : `${p} should be at most ${max} characters, got ${(v as string).length}`);
const finite: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : `${p} should be a finite number, got ${describe(v)}`);
const count: Check = (v, p) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : `${p} should be a non-negative integer, got ${describe(v)}`;
/** An integer in `[min, max]`. */
const integer =
  (min: number, max: number): Check =>
  (v, p) =>
    !(typeof v === 'number' && Number.isInteger(v) && v >= min)
      ? `${p} should be ${min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`}, got ${describe(v)}`
      : v > max
        ? `${p} should be at most ${max}, got ${describe(v)}`
        : null;
const boolean: Check = (v, p) => (typeof v === 'boolean' ? null : `${p} should be true or false, got ${describe(v)}`);
const oneOf =
  (...allowed: string[]): Check =>
  (v, p) =>
    typeof v === 'string' && allowed.includes(v) ? null : `${p} should be one of ${allowed.join(', ')}, got ${describe(v)}`;
const arrayOf =
  (item: Check, min = 0, max = Infinity): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return `${p} should be an array, got ${describe(v)}`;
    if (v.length < min) return `${p} should have at least ${min} entries, got ${v.length}`;
    if (v.length > max) return `${p} should have at most ${max} entries, got ${v.length}`;
    for (let i = 0; i < v.length; i++) {
      const error = item(v[i], `${p}[${i}]`);
      if (error) return error;
    }
    return null;
  };
const object =
  (fields: Record<string, Check>, extra?: (v: Record<string, unknown>, p: string) => string | null): Check =>
  (v, p) => {
    if (!isObject(v)) return `${p} should be an object, got ${describe(v)}`;
    for (const [key, check] of Object.entries(fields)) {
      const error = check(v[key], `${p}.${key}`);
      if (error) return error;
    }
    return extra ? extra(v, p) : null;
  };
const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined ? null : check(v, p);

const side = integer(0, PAYLOAD_LIMITS.mapSide);
const shape = arrayOf(integer(0, PAYLOAD_LIMITS.shapeSize), 0, PAYLOAD_LIMITS.shapeAxes);
const encoding = oneOf('f32-base64', 'u8-base64');

/** Bytes `height × width` values take in an encoding. */
function expectedBytes(height: number, width: number, kind: FeatureMap['encoding']): number {
  return height * width * (kind === 'f32-base64' ? 4 : 1);
}

/** Null when `data` holds exactly `height × width` values of its encoding, else the message. */
function dataHolds(data: { encoding: FeatureMap['encoding']; data: string }, height: number, width: number, p: string): string | null {
  const bytes = base64Length(data.data);
  const expected = expectedBytes(height, width, data.encoding);
  return bytes === expected ? null : `${p}.data should hold ${height}×${width} ${data.encoding} values (${expected} bytes), got ${bytes} bytes`;
}

// The colour goes into a CSS gradient: only `#rrggbb` passes, never a url() or an expression.
const colorStop: Check = (v, p) =>
  Array.isArray(v) &&
  v.length === 2 &&
  typeof v[0] === 'number' &&
  v[0] >= 0 &&
  v[0] <= 1 &&
  typeof v[1] === 'string' &&
  /^#[0-9a-fA-F]{6}$/.test(v[1])
    ? null
    : `${p} should be a [position, '#rrggbb'] pair with the position in [0, 1], got ${describe(v)}`;
const colorscale: Check = (v, p) => {
  const error = arrayOf(colorStop, 2, PAYLOAD_LIMITS.colorStops)(v, p);
  if (error) return error;
  const stops = v as [number, string][];
  const i = stops.findIndex((stop, k) => k > 0 && stop[0] <= stops[k - 1]![0]);
  return i < 0 ? null : `${p}[${i}] should come after position ${stops[i - 1]![0]} (positions ascend), got ${stops[i]![0]}`;
};

const mapData = object({ encoding, data: string, min: finite, max: finite });

/** The block ranges of a downsampled map drawn at `height × width`. */
const downsampling = (height: number, width: number): Check =>
  object(
    { factor: integer(2, PAYLOAD_LIMITS.mapSide), sourceHeight: side, sourceWidth: side, low: mapData, high: mapData },
    (v, p) => {
      const { factor, sourceHeight, sourceWidth, low, high } = v as unknown as Downsampling;
      const drawn = [Math.ceil(sourceHeight / factor), Math.ceil(sourceWidth / factor)];
      if (drawn[0] !== height || drawn[1] !== width) {
        return (
          `${p} should shrink ${sourceHeight}×${sourceWidth} by ${factor} to the drawn ${height}×${width}, ` +
          `got ceil(${sourceHeight} / ${factor})×ceil(${sourceWidth} / ${factor}) = ${drawn.join('×')}`
        );
      }
      return dataHolds(low, height, width, `${p}.low`) ?? dataHolds(high, height, width, `${p}.high`);
    },
  );

const featureMap = object(
  {
    label: text(PAYLOAD_LIMITS.label),
    height: side,
    width: side,
    encoding,
    data: string,
    min: finite,
    max: finite,
  },
  (v, p) => {
    const map = v as unknown as FeatureMap;
    return dataHolds(map, map.height, map.width, p) ?? optional(downsampling(map.height, map.width))(v['downsampled'], `${p}.downsampled`);
  },
);

/** The full-size `[height, width]` a panel's maps stand for (before any downsampling): its shape's last two axes. */
function mapSizeOfShape(s: readonly number[]): [number, number] {
  // As the kernel cuts tensors (display/panels.ts): a scalar is one 1×1 map, a vector one row.
  if (s.length === 0) return [1, 1];
  if (s.length === 1) return [1, s[0]!];
  return [s[s.length - 2]!, s[s.length - 1]!];
}

const panel = object(
  {
    role: oneOf('input', 'kernel', 'output', 'tensor'),
    title: text(PAYLOAD_LIMITS.title),
    shape,
    min: finite,
    max: finite,
    colorscale,
    centered: boolean,
    maps: arrayOf(featureMap, 1),
    rgb: optional(boolean),
    ref: optional((v, p) => string(v, p) ?? (/^[A-Za-z0-9_-]{1,64}$/.test(v as string) ? null : `${p} should be an id of at most 64 letters, digits, _ or -, got ${describe(v)}`)),
  },
  (v, p) => {
    const { maps, shape: s, rgb } = v as unknown as FeatureMapPanel;
    const [height, width] = mapSizeOfShape(s);
    for (let i = 0; i < maps.length; i++) {
      const map = maps[i]!;
      const source = map.downsampled ? [map.downsampled.sourceHeight, map.downsampled.sourceWidth] : [map.height, map.width];
      if (source[0] !== height || source[1] !== width) {
        return (
          `${p}.maps[${i}] should be ${height}×${width}, the last two axes of the panel's shape [${s.join(',')}], ` +
          `got ${source.join('×')}${map.downsampled ? ' (before downsampling)' : ''}`
        );
      }
      if (map.height !== maps[0]!.height || map.width !== maps[0]!.width) {
        return `${p}.maps[${i}] should be drawn at ${maps[0]!.height}×${maps[0]!.width} like maps[0], got ${map.height}×${map.width}`;
      }
    }
    if (rgb === true && maps.length < 3) {
      return `${p}.rgb is true, so the panel should have at least 3 maps (red, green, blue), got ${maps.length}`;
    }
    return null;
  },
);

const pair: Check = (v, p) =>
  Array.isArray(v) && v.length === 2 ? arrayOf(side)(v, p) : `${p} should be a [before, after] pair, got ${describe(v)}`;
const perAxis = arrayOf(integer(1, PAYLOAD_LIMITS.mapSide), 1, PAYLOAD_LIMITS.windowAxes);
// The mode is shown inside plotly's hover template, which reads HTML tags and %{…} fields: plain words only.
const paddingMode: Check = (v, p) =>
  string(v, p) ??
  (/^[A-Za-z0-9 .,+-]{1,40}$/.test(v as string)
    ? null
    : `${p} should be a few plain words such as 'zeros' or 'reflect', got ${describe(v)}`);
const windowFields = object({
  kernel: perAxis,
  stride: perAxis,
  dilation: perAxis,
  padding: arrayOf(pair, 1, PAYLOAD_LIMITS.windowAxes),
  groups: integer(0, PAYLOAD_LIMITS.shapeSize),
  paddingMode: optional(paddingMode),
  bias: optional(arrayOf(finite)),
  power: optional((v, p) => finite(v, p) ?? ((v as number) > 0 ? null : `${p} should be a number > 0, got ${describe(v)}`)),
  focus: optional(arrayOf(integer(0, PAYLOAD_LIMITS.mapSide), 1, PAYLOAD_LIMITS.windowAxes)),
});

const AXIS_NAMES = ['depth', 'height', 'width'];
/** Names of `count` spatial axes: `['height', 'width']` for 2, `['length']` for a 1-D op. */
const axisNames = (count: number): string[] => (count === 1 ? ['length'] : AXIS_NAMES.slice(AXIS_NAMES.length - count));
/** `28×28`, or `length-9` for one axis. */
const sizeText = (sizes: readonly number[]): string => (sizes.length === 1 ? `length-${sizes[0]}` : sizes.join('×'));

/**
 * The output sizes a window allows on one axis (kernel/docs/semantics.md §2.1, §5.1): `floor((L + p0 + p1 − dE) /
 * s) + 1` with the effective kernel `dE = d·(k − 1) + 1`, and for a ceil-mode pool one more unless that last
 * window would start in the right padding. Empty when the kernel is larger than the padded input. (The kernel's
 * shapes module has the same arithmetic; this package imports nothing, so the extension keeps its own line.)
 *
 * @example
 * windowOutputSizes(7, 2, 2, 1, [0, 0]); // [3, 4]  (floor mode 3; ceil mode 4)
 * windowOutputSizes(5, 2, 2, 1, [1, 1]); // [3]     (ceil's 4th window would start in the right padding)
 * windowOutputSizes(4, 5, 1, 1, [0, 0]); // []      (the kernel does not fit)
 */
export function windowOutputSizes(inSize: number, kernel: number, stride: number, dilation: number, padding: readonly [number, number]): number[] {
  const effective = dilation * (kernel - 1) + 1;
  const span = inSize + padding[0] + padding[1] - effective;
  if (span < 0) return [];
  const floor = Math.floor(span / stride) + 1;
  const ceil = Math.ceil(span / stride) + 1;
  return ceil > floor && (ceil - 1) * stride < inSize + padding[0] ? [floor, ceil] : [floor];
}

/**
 * Null when the window fits the panels it lies between: per spatial axis, the output size follows from the
 * input size, padding, kernel, stride and dilation; a kernel panel's spatial size is the kernel; the padded
 * input map stays under {@link PAYLOAD_LIMITS}`.paddedCells`; at most one bias per output channel.
 */
function windowFitsPanels(window: FeatureMapWindow, panels: readonly FeatureMapPanel[]): string | null {
  const p = 'payload.window';
  const axes = window.kernel.length;
  for (const key of ['stride', 'dilation', 'padding'] as const) {
    if (window[key].length !== axes) {
      return `${p}.${key} should have ${axes} entries (one per spatial axis, as ${p}.kernel), got ${window[key].length}`;
    }
  }
  const input = panels.find((x) => x.role === 'input');
  const output = panels.find((x) => x.role === 'output');
  if (!input || !output) {
    return `${p} should come with an input and an output panel to lie between, got panels ${panels.map((x) => x.role).join(', ')}`;
  }
  for (const [name, x] of [['input', input], ['output', output]] as const) {
    // A downsampled map's cells are blocks, not the cells the window slides over (the kernel leaves the window out).
    if (x.maps.some((m) => m.downsampled)) return `${p} should be left out when the ${name} maps are downsampled`;
    if (x.shape.length < axes + 1) {
      return `${p} has ${axes} spatial axes, so the ${name} panel's shape should have at least ${axes + 1} axes (channels first), got [${x.shape.join(',')}]`;
    }
  }
  const spatial = (s: readonly number[]): number[] => s.slice(s.length - axes);
  const inSizes = spatial(input.shape);
  const outSizes = spatial(output.shape);
  const names = axisNames(axes);
  for (let a = 0; a < axes; a++) {
    const [k, s, d, pad] = [window.kernel[a]!, window.stride[a]!, window.dilation[a]!, window.padding[a]!];
    const allowed = windowOutputSizes(inSizes[a]!, k, s, d, pad);
    if (allowed.includes(outSizes[a]!)) continue;
    const effective = d * (k - 1) + 1;
    const padded = `${inSizes[a]} + ${pad[0]} + ${pad[1]}`;
    const got =
      allowed.length === 0
        ? `the effective kernel ${d}·(${k} − 1) + 1 = ${effective} is larger than the padded ${names[a]} ${padded}`
        : `kernel ${k}, stride ${s}, dilation ${d} give an output ${names[a]} of floor((${padded} − ${effective}) / ${s}) + 1 = ${allowed[0]}` +
          `${allowed.length > 1 ? ` (${allowed[1]} in ceil mode)` : ''}, not ${outSizes[a]}`;
    return (
      `${p}.padding[${a}] = [${pad.join(', ')}] does not fit the ${sizeText(inSizes)} input and its ${sizeText(outSizes)} output: ${got}; ` +
      `hint: the window should be the one of the op that made the output`
    );
  }
  const kernelPanel = panels.find((x) => x.role === 'kernel');
  if (kernelPanel && spatial(kernelPanel.shape).join() !== window.kernel.join()) {
    return `${p}.kernel = [${window.kernel.join(', ')}] should be the kernel panel's spatial size, got shape [${kernelPanel.shape.join(',')}]`;
  }
  // The view draws the padding around each input map (its last two axes): bound that grid.
  const drawn = window.padding.slice(-2).map(([before, after], i) => inSizes[axes - Math.min(2, axes) + i]! + before + after);
  const cells = drawn.reduce((product, n) => product * n, axes === 1 ? mapSizeOfShape(input.shape)[0] : 1);
  if (drawn.some((n) => n > PAYLOAD_LIMITS.mapSide) || cells > PAYLOAD_LIMITS.paddedCells) {
    return (
      `${p}.padding makes each padded input map ${sizeText(drawn)}, over the ${PAYLOAD_LIMITS.paddedCells} cells ` +
      `(sides ≤ ${PAYLOAD_LIMITS.mapSide}) the view draws; hint: show a smaller input or less padding`
    );
  }
  if (window.focus) {
    if (window.focus.length !== axes) return `${p}.focus should have ${axes} entries (one per spatial axis), got ${window.focus.length}`;
    const outside = window.focus.findIndex((i, a) => i >= outSizes[a]!);
    if (outside >= 0) {
      return `${p}.focus[${outside}] = ${window.focus[outside]} is outside the output's ${names[outside]} (${outSizes[outside]} cells)`;
    }
  }
  const channels = output.shape[output.shape.length - axes - 1]!;
  if (window.bias && window.bias.length > channels) {
    return `${p}.bias should hold at most one number per output channel (${channels}), got ${window.bias.length}`;
  }
  return null;
}

const payload = object(
  {
    window: optional(windowFields),
    version: (v, p) => (v === 1 ? null : `${p} should be 1 (this extension reads featuremap v1), got ${describe(v)}`),
    // show({ title }) sends the user's title as the op.
    op: text(PAYLOAD_LIMITS.title),
    backend: text(PAYLOAD_LIMITS.word),
    panels: arrayOf(panel, 1, PAYLOAD_LIMITS.panels),
    notes: arrayOf(text(PAYLOAD_LIMITS.note), 0, PAYLOAD_LIMITS.notes),
  },
  (v) => {
    const { window, panels } = v as unknown as FeatureMapPayload;
    return window ? windowFitsPanels(window, panels) : null;
  },
);

const tracePerAxis = (item: Check): Check => arrayOf(item, 0, PAYLOAD_LIMITS.shapeAxes);
const traceRow = object({
  index: count,
  op: text(PAYLOAD_LIMITS.word),
  name: text(PAYLOAD_LIMITS.label),
  inShape: shape,
  outShape: shape,
  kernel: tracePerAxis(count),
  stride: tracePerAxis(count),
  dilation: tracePerAxis(count),
  padding: tracePerAxis(pair),
  groups: count,
  params: count,
  macs: count,
  outBytes: count,
  receptiveField: tracePerAxis(finite),
  jump: tracePerAxis(finite),
  formula: tracePerAxis(text(PAYLOAD_LIMITS.formula)),
  error: optional(text(PAYLOAD_LIMITS.traceError)),
});

const trace = object({
  version: (v, p) => (v === 1 ? null : `${p} should be 1 (this extension reads shapetrace v1), got ${describe(v)}`),
  source: oneOf('traceShapes', 'recorded'),
  title: text(PAYLOAD_LIMITS.title),
  inputShape: shape,
  rows: arrayOf(traceRow, 0, PAYLOAD_LIMITS.traceRows),
  totals: object({ params: count, macs: count, outBytes: count }),
  backend: text(PAYLOAD_LIMITS.word),
});

/** Number of bytes a base64 string decodes to (−1 when it is not base64). */
export function base64Length(data: string): number {
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return -1;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - padding;
}

/**
 * Checks a feature-map payload against the v1 schema and {@link PAYLOAD_LIMITS}.
 *
 * @example
 * validateFeatureMap({ ...payload, window: { ...window, padding: [[20000, 20000], [1, 1]] } }).error;
 * // 'payload.window.padding[0] = [20000, 20000] does not fit the 28×28 input and its 28×28 output: …'
 */
export function validateFeatureMap(value: unknown): Validated<FeatureMapPayload> {
  const error = payload(value, 'payload');
  return error ? { ok: false, error } : { ok: true, value: value as FeatureMapPayload };
}

/** Checks a shape-trace payload against the v1 schema and {@link PAYLOAD_LIMITS} (at most 100,000 rows). */
export function validateShapeTrace(value: unknown): Validated<ShapeTracePayload> {
  const error = trace(value, 'payload');
  return error ? { ok: false, error } : { ok: true, value: value as ShapeTracePayload };
}
