/**
 * One map drawn on a `<canvas>`: the cells (one colour each, padding included), the padding's hatch, a dotted
 * outline of the real input, NaN crosses, numbers written in the cells, and the highlight outlines of a hover.
 *
 * Two steps, so a hover's redraw costs only the cheap one: {@link scalarPicture} / {@link rgbPicture} turn a
 * map into one RGBA pixel per cell (pure, tested without a browser), and {@link drawPicture} paints that picture
 * scaled up with smoothing off, then strokes the rest on top. Nothing here reads the DOM or a payload string.
 */

/** Largest canvas side, in device pixels and in cells: a crafted size can never allocate more than this. */
export const CANVAS_CAP = 4096;

/**
 * Most cells one map may draw (padding included; the validator's `PAYLOAD_LIMITS.paddedCells`, 2048 × 2048), and
 * most device pixels one canvas may hold (2048 × 2048). A drawn cell costs about 30 bytes while its map is
 * painted, a pixel 8.
 */
export const MAX_CELLS = 1 << 22;
export const MAX_PIXELS = 1 << 22;

/** Smallest cell (CSS px) that numbers are written in. */
export const NUMBERS_MIN_CELL = 18;

/**
 * Maps at most this many cells a side (padding included) are small enough to read value by value: the values
 * switch starts on for them, and they get cells of at least {@link NUMBERS_MIN_CELL} px, whatever the size control.
 */
export const NUMBERS_MAX_SIDE = 16;

/** An `[r, g, b]` colour, 0–255 each. */
export type Rgb = [number, number, number];

/**
 * The drawn grid of one map, in the DOM contract's terms: cell (row r, col c) of the map — r, c negative in the
 * top/left padding — is centred at CSS offset `((c + left + 0.5)·cell, (r + top + 0.5)·cell)` of the canvas.
 */
export interface MapGrid {
  /** CSS px per cell. */
  cell: number;
  /** Padding rows drawn before row 0. */
  top: number;
  /** Padding columns drawn before column 0. */
  left: number;
  /** Rows drawn, padding included. */
  rows: number;
  /** Columns drawn, padding included. */
  cols: number;
  /** The map's own rows and columns. */
  height: number;
  width: number;
}

/**
 * The grid of an `height × width` map with `[[top, bottom], [left, right]]` padding, drawn with its longer side
 * about `side` CSS px: `cell = max(2, floor(side / max(rows, cols)))`, shrunk (down to 1 px) so that neither
 * side passes {@link CANVAS_CAP}. With `readable` set, a map of at most {@link NUMBERS_MAX_SIDE} cells a side gets
 * cells of at least {@link NUMBERS_MIN_CELL} px, so that its numbers can be written. A grid that does not fit even at 1 px per cell, or that has more than
 * {@link MAX_CELLS} cells, is refused with the reason.
 *
 * @example gridOf(4, 4, [[1, 1], [1, 1]], 120); // { cell: 20, top: 1, left: 1, rows: 6, cols: 6, height: 4, width: 4 }
 * @example gridOf(56, 56, [[0, 0], [0, 0]], 96); // { cell: 2, …, rows: 56, cols: 56 } (96 / 56 < 2: the 2 px floor)
 * @example gridOf(5000, 1, [[0, 0], [0, 0]], 96); // 'a 5000 × 1 grid is too large to draw (at most 4096 cells a side)'
 * @example gridOf(4, 4, [[2, 2], [2, 2]], 96, true); // { cell: 18, …, rows: 8, cols: 8 } (96 / 8 = 12 is too small to write in)
 */
export function gridOf(
  height: number,
  width: number,
  [[top, bottom], [left, right]]: [[number, number], [number, number]],
  side: number,
  readable = false,
): MapGrid | string {
  const rows = height + top + bottom;
  const cols = width + left + right;
  const longer = Math.max(rows, cols, 1);
  if (longer > CANVAS_CAP) return `a ${rows} × ${cols} grid is too large to draw (at most ${CANVAS_CAP} cells a side)`;
  if (rows * cols > MAX_CELLS) return `a ${rows} × ${cols} grid is too large to draw (at most ${MAX_CELLS} cells)`;
  const least = readable && longer <= NUMBERS_MAX_SIDE ? NUMBERS_MIN_CELL : 2;
  const cell = Math.min(Math.max(least, Math.floor(side / longer)), Math.floor(CANVAS_CAP / longer));
  return { cell, top, left, rows, cols, height, width };
}

/**
 * Device pixels per CSS pixel of a grid's canvas: the screen's ratio, lowered so that no side of the backing
 * store passes {@link CANVAS_CAP} and its area stays within {@link MAX_PIXELS}.
 *
 * @example backingScale({ cell: 20, rows: 6, cols: 6 } as MapGrid, 2); // 2
 * @example backingScale({ cell: 2, rows: 4000, cols: 10 } as MapGrid, 2); // 0.512 (8000 CSS px → 4096)
 * @example backingScale({ cell: 2, rows: 1024, cols: 1024 } as MapGrid, 2); // 1 (2048 × 2048 px at most)
 */
export function backingScale(grid: MapGrid, devicePixelRatio: number): number {
  const [width, height] = [Math.max(1, grid.cols * grid.cell), Math.max(1, grid.rows * grid.cell)];
  return Math.min(devicePixelRatio > 0 ? devicePixelRatio : 1, CANVAS_CAP / Math.max(width, height), Math.sqrt(MAX_PIXELS / (width * height)));
}

/** `#rgb`, `#rrggbb` (alpha ignored) or `rgb(a)(r, g, b …)` → bytes; undefined for anything else. */
export function parseColour(text: string): Rgb | undefined {
  const t = text.trim();
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(t)?.[1];
  if (hex) {
    const long = hex.length <= 4 ? [...hex].map((d) => d + d).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(long.slice(i, i + 2), 16)) as Rgb;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(t);
  return rgb ? ([rgb[1], rgb[2], rgb[3]].map((v) => Math.min(255, Math.round(Number(v)))) as Rgb) : undefined;
}

/** A colour scale's stops, parsed and sorted by position: positions, and red, green, blue per stop. */
interface Scale {
  at: Float64Array;
  rgb: Float64Array;
}
const scales = new WeakMap<readonly (readonly [number, string])[], Scale>();

function scaleOf(stops: readonly (readonly [number, string])[]): Scale {
  let scale = scales.get(stops);
  if (!scale) {
    const sorted = stops.map(([p, colour]) => [p, parseColour(colour) ?? [0, 0, 0]] as const).sort((a, b) => a[0] - b[0]);
    scale = { at: Float64Array.from(sorted, ([p]) => p), rgb: Float64Array.from(sorted.flatMap(([, rgb]) => rgb)) };
    scales.set(stops, scale);
  }
  return scale;
}

/**
 * Writes the colour of `value` into `out` at `offset`: its position `t` on `[low, high]` (clamped; the middle
 * when `low === high`), linearly interpolated per RGB channel between the two stops around `t` (before the first
 * stop / after the last, that stop's colour). Typed arrays and no allocation: it runs once per cell.
 */
function writeColour({ at, rgb }: Scale, value: number, low: number, high: number, out: Uint8ClampedArray, offset: number): void {
  const t = high > low ? Math.min(1, Math.max(0, (value - low) / (high - low))) : 0.5;
  const last = at.length - 1;
  if (last < 0) return;
  let k = 0;
  while (k < last - 1 && t > at[k + 1]!) k++;
  const next = Math.min(k + 1, last);
  const p0 = at[k]!;
  const p1 = at[next]!;
  const f = p1 > p0 ? Math.min(1, Math.max(0, (t - p0) / (p1 - p0))) : t > p0 ? 1 : 0;
  out[offset] = rgb[k * 3]! + f * (rgb[next * 3]! - rgb[k * 3]!);
  out[offset + 1] = rgb[k * 3 + 1]! + f * (rgb[next * 3 + 1]! - rgb[k * 3 + 1]!);
  out[offset + 2] = rgb[k * 3 + 2]! + f * (rgb[next * 3 + 2]! - rgb[k * 3 + 2]!);
}

/**
 * The colour of `value` on a scale whose ends are `[low, high]`: linear, clamped to the ends; the middle of the
 * scale when `low === high`.
 *
 * @example colourOf([[0, '#000000'], [1, '#ffffff']], 5, [0, 10]); // [128, 128, 128]
 */
export function colourOf(stops: readonly (readonly [number, string])[], value: number, [low, high]: readonly [number, number]): Rgb {
  const out = new Uint8ClampedArray(3);
  writeColour(scaleOf(stops), value, low, high, out, 0);
  return [out[0]!, out[1]!, out[2]!];
}

/** What one drawn cell is. */
export const CELL = {
  /** A cell of the map. */
  value: 0,
  /** A padding cell holding a value (a constant, or a copy of an input cell). */
  paddingValue: 1,
  /** A padding cell that holds nothing (e.g. excluded from a pool): the theme's padding grey. */
  paddingEmpty: 2,
  /** A NaN (in the map, or copied into the padding): padding grey with a cross. */
  nan: 3,
} as const;

/** What a padding cell holds, as `figure.ts`'s `paddingCell` says: the input cell it copies, or a constant. */
export interface PaddingCell {
  source: readonly [number, number] | null;
  constant: number | null;
}

/** A map turned into one RGBA pixel per drawn cell, ready to paint. */
export interface Picture {
  grid: MapGrid;
  /** `rows × cols` RGBA pixels, row-major, padding included. */
  rgba: Uint8ClampedArray;
  /** `rows × cols` {@link CELL} kinds. */
  kinds: Uint8Array;
  /** The value each drawn cell shows (NaN where none), for the numbers; absent for a colour image. */
  values?: Float32Array;
  /** The cells scaled to the canvas's device pixels, made on first paint. */
  image?: ImageData;
}

/** The theme's colours a picture needs: padding that holds nothing. */
export interface PictureTheme {
  empty: Rgb;
}

/** Where each drawn cell's value comes from. */
interface CellSources {
  /** Flat index of the map cell whose value a drawn cell shows, or −1 (a constant, or nothing). */
  index: Int32Array;
  /** Where `index` is −1: the padding's constant, NaN when it holds nothing. */
  constant: Float64Array;
  /** 1 for the map's own cells, 0 for padding. */
  inside: Uint8Array;
}

/** Resolves every drawn cell: itself inside the map; in the padding, the cell it copies or what it holds. */
function cellSources(grid: MapGrid, pad: (r: number, c: number) => PaddingCell): CellSources {
  const { rows, cols, top, left, height, width } = grid;
  const size = rows * cols;
  const sources: CellSources = { index: new Int32Array(size), constant: new Float64Array(size), inside: new Uint8Array(size) };
  for (let y = 0; y < rows; y++) {
    const r = y - top;
    for (let x = 0; x < cols; x++) {
      const c = x - left;
      const drawn = y * cols + x;
      if (r >= 0 && r < height && c >= 0 && c < width) {
        sources.index[drawn] = r * width + c;
        sources.inside[drawn] = 1;
        continue;
      }
      const held = pad(r, c);
      const [sr, sc] = held.source ?? [-1, -1];
      const inMap = sr >= 0 && sr < height && sc >= 0 && sc < width;
      sources.index[drawn] = inMap ? sr * width + sc : -1;
      sources.constant[drawn] = inMap ? NaN : (held.constant ?? NaN);
    }
  }
  return sources;
}

/** The kind of a drawn cell showing `value` (NaN: a NaN where something is held, else empty padding). */
function kindOf(value: number, held: boolean, inside: boolean): number {
  if (Number.isNaN(value)) return held ? CELL.nan : CELL.paddingEmpty;
  return inside ? CELL.value : CELL.paddingValue;
}

/**
 * One map's picture: each cell coloured by its value on `stops` between `range` (clamped; the middle of the
 * scale for a constant range); padding cells by the value they hold (`pad`), or the theme's grey when they hold
 * nothing; NaN cells grey (drawn with a cross).
 *
 * @example
 * // A 1×2 map [0, 10] on black→white with one column of reflect padding on the left: the padding copies col 1.
 * scalarPicture(gridOf(1, 2, [[0, 0], [1, 0]], 30), Float32Array.of(0, 10), [[0, '#000000'], [1, '#ffffff']],
 *   [0, 10], () => ({ source: [0, 1], constant: null }), { empty: [200, 200, 200] }).rgba;
 * // [255,255,255,255, 0,0,0,255, 255,255,255,255]
 */
export function scalarPicture(
  grid: MapGrid,
  values: ArrayLike<number>,
  stops: readonly (readonly [number, string])[],
  [low, high]: readonly [number, number],
  pad: (r: number, c: number) => PaddingCell,
  theme: PictureTheme,
): Picture {
  const scale = scaleOf(stops);
  const size = grid.rows * grid.cols;
  const { index, constant, inside } = cellSources(grid, pad);
  const rgba = new Uint8ClampedArray(size * 4);
  const kinds = new Uint8Array(size);
  const shown = new Float32Array(size);
  const [er, eg, eb] = theme.empty;
  for (let i = 0; i < size; i++) {
    const k = index[i]!;
    const value = k >= 0 ? (values[k] ?? NaN) : constant[i]!;
    shown[i] = value;
    const kind = kindOf(value, k >= 0 || !Number.isNaN(constant[i]!), inside[i] === 1);
    kinds[i] = kind;
    const o = i * 4;
    if (kind === CELL.nan || kind === CELL.paddingEmpty) {
      rgba[o] = er;
      rgba[o + 1] = eg;
      rgba[o + 2] = eb;
    } else {
      writeColour(scale, value, low, high, rgba, o);
    }
    rgba[o + 3] = 255;
  }
  return { grid, rgba, kinds, values: shown };
}

/**
 * A colour image from three maps of values in [0, 1] (red, green, blue; clamped), padding as
 * {@link scalarPicture} (a constant `v` is the grey `(v, v, v)`); a cell with a NaN channel is grey with a cross.
 *
 * @example
 * rgbPicture(gridOf(1, 1, [[0, 0], [0, 0]], 10), [[1], [0.5], [0]], () => ({ source: null, constant: null }),
 *   { empty: [200, 200, 200] }).rgba; // [255, 128, 0, 255]
 */
export function rgbPicture(
  grid: MapGrid,
  channels: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>],
  pad: (r: number, c: number) => PaddingCell,
  theme: PictureTheme,
): Picture {
  const size = grid.rows * grid.cols;
  const { index, constant, inside } = cellSources(grid, pad);
  const rgba = new Uint8ClampedArray(size * 4);
  const kinds = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const k = index[i]!;
    const o = i * 4;
    let nan = false;
    for (let ch = 0; ch < 3; ch++) {
      const v = k >= 0 ? (channels[ch]![k] ?? NaN) : constant[i]!;
      nan ||= Number.isNaN(v);
      rgba[o + ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    const kind = kindOf(nan ? NaN : 0, k >= 0 || !Number.isNaN(constant[i]!), inside[i] === 1);
    kinds[i] = kind;
    if (kind === CELL.nan || kind === CELL.paddingEmpty) rgba.set(theme.empty, o);
    rgba[o + 3] = 255;
  }
  return { grid, rgba, kinds };
}

/** True when black text reads better than white on `rgb` (by its perceived brightness). */
export function darkTextOn(r: number, g: number, b: number): boolean {
  return 0.299 * r + 0.587 * g + 0.114 * b > 140;
}

/** A cell outlined by a hover, in map coordinates; `dotted` for a tap that falls in the padding. */
export interface HighlightCell {
  r: number;
  c: number;
  dotted?: boolean;
}

/** What {@link drawPicture} adds on top of the cells. */
export interface DrawOptions {
  /** Writes each cell's value when set and cells are at least {@link NUMBERS_MIN_CELL} CSS px. */
  numbers?: (value: number) => string;
  /** Cells to outline: black over a white halo, dotted when asked. */
  highlight: readonly HighlightCell[];
  /** The dotted outline around the real input (a theme colour). */
  outline: string;
  /** The thin lines between cells of large cells (the theme's background). */
  gridLine: string;
  /** CSS font family of the numbers. */
  font: string;
}

/**
 * Sizes a canvas for a grid: `cell·cols × cell·rows` CSS px, backing store at `scale` device px per CSS px.
 */
export function sizeCanvas(canvas: HTMLCanvasElement, grid: MapGrid, scale: number): void {
  canvas.style.width = `${grid.cell * grid.cols}px`;
  canvas.style.height = `${grid.cell * grid.rows}px`;
  canvas.width = Math.max(1, Math.round(grid.cell * grid.cols * scale));
  canvas.height = Math.max(1, Math.round(grid.cell * grid.rows * scale));
}

/**
 * The picture scaled to `width × height` device pixels, each pixel the colour of the cell it falls in (nearest,
 * no smoothing): written directly, since scaling a small image up through `drawImage` costs about a millisecond
 * a canvas. Cached on the picture, so a hover's redraw only puts it back.
 */
function cellImage(ctx: CanvasRenderingContext2D, picture: Picture, width: number, height: number): ImageData {
  const cached = picture.image;
  if (cached && cached.width === width && cached.height === height) return cached;
  const { rows, cols } = picture.grid;
  const image = ctx.createImageData(width, height);
  const out = new Uint32Array(image.data.buffer);
  const cells = new Uint32Array(picture.rgba.buffer, picture.rgba.byteOffset, rows * cols);
  const column = new Int32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.min(cols - 1, Math.floor((x * cols) / width));
  for (let y = 0; y < height; y++) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
    const line = y * width;
    for (let x = 0; x < width; x++) out[line + x] = cells[row + column[x]!]!;
  }
  picture.image = image;
  return image;
}

/**
 * Paints a picture on a canvas sized by {@link sizeCanvas}: the cells scaled up without smoothing, lines between
 * large cells, the padding's hatch (black or white per cell, whichever reads on its colour; the strokes pass
 * beside a cell's centre, never through it), NaN crosses, the dotted outline of the real input, the numbers,
 * then the highlight. Returns false, drawing nothing, where the canvas has no 2-D context (jsdom).
 */
export function drawPicture(canvas: HTMLCanvasElement, picture: Picture, options: DrawOptions): boolean {
  const ctx = canvas.getContext('2d');
  if (!ctx) return false;
  const { grid, rgba, kinds } = picture;
  const { cell, rows, cols, top, left, height, width } = grid;
  const scale = canvas.width / (cell * cols);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.putImageData(cellImage(ctx, picture, canvas.width, canvas.height), 0, 0);

  // Lines between cells, in device pixels so they stay one crisp pixel.
  if (cell >= 16) {
    ctx.fillStyle = options.gridLine;
    for (let x = 1; x < cols; x++) ctx.fillRect(Math.round(x * cell * scale), 0, 1, canvas.height);
    for (let y = 1; y < rows; y++) ctx.fillRect(0, Math.round(y * cell * scale), canvas.width, 1);
  }

  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  const dark = new Path2D();
  const light = new Path2D();
  const h = cell / 2;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const kind = kinds[i]!;
      if (kind === CELL.value) continue;
      const o = i * 4;
      const path = darkTextOn(rgba[o]!, rgba[o + 1]!, rgba[o + 2]!) ? dark : light;
      const [x0, y0] = [x * cell, y * cell];
      if (kind === CELL.nan) {
        // An X that leaves the centre clear.
        const q = cell * 0.2;
        path.moveTo(x0 + q, y0 + q);
        path.lineTo(x0 + h - q / 2, y0 + h - q / 2);
        path.moveTo(x0 + h + q / 2, y0 + h + q / 2);
        path.lineTo(x0 + cell - q, y0 + cell - q);
        path.moveTo(x0 + cell - q, y0 + q);
        path.lineTo(x0 + h + q / 2, y0 + h - q / 2);
        path.moveTo(x0 + h - q / 2, y0 + h + q / 2);
        path.lineTo(x0 + q, y0 + cell - q);
      }
      if (kind !== CELL.value && !(y >= top && y < top + height && x >= left && x < left + width)) {
        // Hatch: the diagonals x + y = (k + ½)·cell, which cross each padding cell at two corners.
        path.moveTo(x0, y0 + h);
        path.lineTo(x0 + h, y0);
        path.moveTo(x0 + h, y0 + cell);
        path.lineTo(x0 + cell, y0 + h);
      }
    }
  }
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.5)';
  ctx.stroke(dark);
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.6)';
  ctx.stroke(light);

  if (rows !== height || cols !== width) {
    ctx.setLineDash([2, 2]);
    ctx.strokeStyle = options.outline;
    ctx.strokeRect(left * cell + 0.5, top * cell + 0.5, width * cell - 1, height * cell - 1);
    ctx.setLineDash([]);
  }

  if (options.numbers && picture.values && cell >= NUMBERS_MIN_CELL) writeNumbers(ctx, picture, options.numbers, options.font);

  for (const { r, c, dotted } of options.highlight) {
    const inset = cell >= 6 ? 1 : 0;
    const [x0, y0, side] = [(c + left) * cell + inset, (r + top) * cell + inset, cell - 2 * inset];
    ctx.setLineDash([]);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 3;
    ctx.strokeRect(x0, y0, side, side);
    ctx.setLineDash(dotted ? [2, 2] : []);
    ctx.strokeStyle = '#000000';
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0, y0, side, side);
  }
  ctx.setLineDash([]);
  return true;
}

/** Each cell's value, centred, black or white by the cell's colour, shrunk to fit the cell (or left out). */
function writeNumbers(ctx: CanvasRenderingContext2D, picture: Picture, text: (value: number) => string, font: string): void {
  const { grid, rgba, values } = picture;
  const { cell, rows, cols } = grid;
  const size = Math.min(16, Math.max(8, Math.floor(cell * 0.42)));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const value = values![i]!;
      if (Number.isNaN(value)) continue;
      const label = text(value);
      ctx.font = `${size}px ${font}`;
      const room = cell - 3;
      const wide = ctx.measureText(label).width;
      if (wide > room) {
        const fitted = Math.floor((size * room) / wide);
        if (fitted < 7) continue;
        ctx.font = `${fitted}px ${font}`;
      }
      const o = i * 4;
      ctx.fillStyle = darkTextOn(rgba[o]!, rgba[o + 1]!, rgba[o + 2]!) ? '#000000' : '#ffffff';
      ctx.fillText(label, (x + 0.5) * cell, (y + 0.5) * cell);
    }
  }
}
