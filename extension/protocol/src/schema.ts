/**
 * Payload schemas of ConvLab's MIME types, version 1.
 *
 * The kernel builds these objects (kernel/src/display) and the extension validates (./validate.ts) and draws
 * them (extension/src/figure.ts). Types only: nothing here pulls in JupyterLab or Node.
 *
 * Every bundle that carries one of these types also carries `text/plain` and a static fallback
 * (`image/png` for feature maps), so notebooks still read where the extension is absent.
 */

/**
 * `application/vnd.convlab.featuremap.v1+json`: one or more tensors drawn as grids of 2-D heatmaps.
 *
 * Example (conv2d of a 4×4 input with a 3×3 kernel):
 * `{ version: 1, op: 'conv2d', backend: 'cpu', panels: [input, kernel, output], notes: [] }`
 */
export interface FeatureMapPayload {
  version: 1;
  /** What produced the panels: an op name such as `'conv2d'`, or `'tensor'` for a plain tensor. */
  op: string;
  /** The backend that computed the values, e.g. `'cpu'`. */
  backend: string;
  /** Panels drawn left to right; for an op: input, kernel, output. */
  panels: FeatureMapPanel[];
  /**
   * For a windowed op (conv, pool): how output cell (i, j) maps to its input window, so the view can highlight
   * the window and draw padding. Per spatial axis (height then width): the window of output `i` starts at input
   * row `i·stride − padding[0][0]` and takes `kernel` taps `dilation` apart.
   */
  window?: FeatureMapWindow;
  /** Human-readable notes, e.g. that a panel was downsampled. Never HTML. */
  notes: string[];
}

/** The sliding-window parameters of the op that produced a feature map, per spatial axis. */
export interface FeatureMapWindow {
  kernel: number[];
  stride: number[];
  dilation: number[];
  /** `[before, after]` zero (or mode) padding per spatial axis. */
  padding: [number, number][];
  groups: number;
  /**
   * Optional (added after v1 shipped; absent means `'zeros'`): what the padding cells hold, shown in the hover
   * over a padding cell and in the footer. Convs and pad: `'zeros'`, `'constant 5'`, `'reflect'`, `'symmetric'`,
   * `'replicate'`, `'circular'`; pools: `'-inf'` (max), `'zeros'` (average counting padding) or `'excluded'`.
   * Plain words only (letters, digits, spaces, `. , + -`; at most 40 characters).
   */
  paddingMode?: string;
  /**
   * Optional (added after v1 shipped): the bias added to each output channel of a conv, so the hover over an
   * output can show its computation `Σ x·w + b`. One number per output channel; absent means no bias.
   */
  bias?: number[];
  /** Optional: the `p` of an Lp pool (`lpPool*`), for the hover's computation `(Σ xᵖ)^(1/p)`. */
  power?: number;
  /**
   * Optional (added after v1 shipped): one output cell, per spatial axis, that the view highlights without a
   * hover — its window on the padded input and its computation — as `explore`'s step-through does. Example:
   * `[1, 2]` is output row 1, column 2.
   */
  focus?: number[];
}

/** One tensor, shown as one heatmap per 2-D slice. */
export interface FeatureMapPanel {
  role: 'input' | 'kernel' | 'output' | 'tensor';
  /** Short title, e.g. `'input [1,1,4,4]'`. */
  title: string;
  /** The full shape of the tensor, e.g. `[1, 1, 4, 4]` (NCHW) or `[8, 3, 3, 3]` (OIHW). */
  shape: number[];
  /** Smallest and largest value over all maps of the panel. */
  min: number;
  max: number;
  /**
   * The colour scale, `[position 0..1, '#rrggbb']` stops (exactly `#` and six hex digits: the extension refuses
   * anything else, since the stops end up in a CSS gradient), chosen by the kernel so the PNG fallback and the
   * interactive view agree: diverging blue–white–red for signed data, sequential for data ≥ 0.
   */
  colorscale: [number, string][];
  /** True when the scale is centred on 0 (white), spanning `±max(|min|, |max|)`. */
  centered: boolean;
  /** The 2-D slices, e.g. one per channel of batch item 0. */
  maps: FeatureMap[];
  /**
   * Optional: true when the first three maps are the red, green and blue channels of an image with values in
   * [0, 1] (e.g. from `loadImage`); the view then also draws them as one colour image.
   */
  rgb?: boolean;
  /**
   * Optional (added after v1 shipped): the kernel's id of the tensor this panel shows, so ConvLab's JupyterLab
   * plugin can ask that kernel for exact values of a downsampled or 8-bit map over its comm. Letters, digits,
   * `_` and `-`, at most 64 characters; meaningless to any other kernel.
   */
  ref?: string;
}

/**
 * Values of a map in one of the two encodings, with the range they are quantized against (`'u8-base64'`:
 * `min + q / 255 · (max − min)`).
 */
export interface MapData {
  encoding: 'f32-base64' | 'u8-base64';
  data: string;
  min: number;
  max: number;
}

/**
 * How a downsampled map was made: each of its cells is the mean of a `factor × factor` block of the
 * `sourceHeight × sourceWidth` map (blocks at the bottom and right edges may be smaller). `low` and `high` hold
 * each block's smallest and largest value, so a hover can say what range the mean stands for.
 *
 * Example: a 56×56 map drawn at 28×28: `{ factor: 2, sourceHeight: 56, sourceWidth: 56, low, high }`.
 */
export interface Downsampling {
  factor: number;
  sourceHeight: number;
  sourceWidth: number;
  low: MapData;
  high: MapData;
}

/** One 2-D slice, row 0 at the top. */
export interface FeatureMap {
  /** e.g. `'channel 0'` or `'out 2 · in 0'`. */
  label: string;
  height: number;
  width: number;
  /**
   * How `data` encodes `height × width` values in row-major order:
   * - `'f32-base64'`: little-endian float32, base64;
   * - `'u8-base64'`: bytes `q`, base64, meaning `min + q / 255 · (max − min)`.
   */
  encoding: 'f32-base64' | 'u8-base64';
  data: string;
  /** Smallest and largest value of this map. */
  min: number;
  max: number;
  /** Optional: present when the map was downsampled; then `height × width` are the drawn sizes. */
  downsampled?: Downsampling;
}

/**
 * `application/vnd.convlab.shapetrace.v1+json`: tensor shapes layer by layer, with the output-size arithmetic,
 * like Keras' `summary()` plus padding per side, MACs and receptive field.
 *
 * Made two ways by the kernel: `traceShapes(inputShape, layers)` computes it without data; the recorder
 * captures the real op calls made inside a block. Rows stop at the first layer that fails, and that row
 * carries the error.
 *
 * Example (20×20 input, 3×3 conv valid): rows[0] = `{ op: 'conv2d', inShape: [1,1,20,20],
 * outShape: [1,8,18,18], formula: ['floor((20 + 0 + 0 − 3) / 1) + 1 = 18', …], … }`
 */
export interface ShapeTracePayload {
  version: 1;
  /** e.g. `'traceShapes'` or `'recorded'`. */
  source: 'traceShapes' | 'recorded';
  /** Optional title, e.g. the model's name. */
  title: string;
  /** Shape fed to the first layer, e.g. `[1, 1, 20, 20]`. */
  inputShape: number[];
  rows: ShapeTraceRow[];
  totals: {
    params: number;
    macs: number;
    /** Bytes of all layer outputs (float32). */
    outBytes: number;
  };
  /** Backend in use when recorded (`'cpu'`, `'gpu'`), or `'none'` for a data-free trace. */
  backend: string;
}

/** One layer of a shape trace. Per-axis arrays list the spatial axes (height then width for 2-D). */
export interface ShapeTraceRow {
  /** 0-based position in the trace. */
  index: number;
  /** The op, e.g. `'conv2d'`, `'maxPool2d'`, `'relu'`, `'flatten'`, `'linear'`. */
  op: string;
  /** Optional layer name given by the user. */
  name: string;
  inShape: number[];
  /** Empty when the row is the failing layer. */
  outShape: number[];
  /** Kernel size per spatial axis; empty for ops without a window (relu, flatten, linear). */
  kernel: number[];
  stride: number[];
  dilation: number[];
  /** `[before, after]` per spatial axis. */
  padding: [number, number][];
  groups: number;
  params: number;
  macs: number;
  outBytes: number;
  /** Receptive field size, in input pixels, per spatial axis (kernel/docs/semantics.md §9). */
  receptiveField: number[];
  /** Input-pixel distance between adjacent outputs, per spatial axis. */
  jump: number[];
  /** The output-size formula with the numbers filled in, per spatial axis. */
  formula: string[];
  /** Set on the first layer whose shapes do not fit: the library's error message. */
  error?: string;
}
