/**
 * Payload validation: the renderer draws only what passed, and a bad payload becomes a readable message that
 * names the first thing wrong (a path such as `panels[1].maps[0].height` and what was expected there).
 */
import type { FeatureMap, FeatureMapPayload, ShapeTracePayload } from './schema';

/** Either the checked payload or the reason it was refused. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

type Check = (value: unknown, path: string) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string =>
  v === undefined ? 'nothing' : Array.isArray(v) ? `an array of ${v.length}` : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;

const string: Check = (v, p) => (typeof v === 'string' ? null : `${p} should be a string, got ${describe(v)}`);
const finite: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : `${p} should be a finite number, got ${describe(v)}`);
const count: Check = (v, p) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : `${p} should be a non-negative integer, got ${describe(v)}`;
const boolean: Check = (v, p) => (typeof v === 'boolean' ? null : `${p} should be true or false, got ${describe(v)}`);
const oneOf =
  (...allowed: string[]): Check =>
  (v, p) =>
    typeof v === 'string' && allowed.includes(v) ? null : `${p} should be one of ${allowed.join(', ')}, got ${describe(v)}`;
const arrayOf =
  (item: Check, min = 0): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return `${p} should be an array, got ${describe(v)}`;
    if (v.length < min) return `${p} should have at least ${min} entries, got ${v.length}`;
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

/** Bytes a map's `data` must decode to. */
function expectedBytes(map: FeatureMap): number {
  return map.height * map.width * (map.encoding === 'f32-base64' ? 4 : 1);
}

// The colour goes into a CSS gradient: only `#rrggbb` passes, never a url() or an expression.
const colorStop: Check = (v, p) =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string' && /^#[0-9a-fA-F]{6}$/.test(v[1])
    ? null
    : `${p} should be a [position, '#rrggbb'] pair, got ${describe(v)}`;

const featureMap = object(
  {
    label: string,
    height: count,
    width: count,
    encoding: oneOf('f32-base64', 'u8-base64'),
    data: string,
    min: finite,
    max: finite,
  },
  (v, p) => {
    const map = v as unknown as FeatureMap;
    const bytes = base64Length(map.data);
    return bytes === expectedBytes(map)
      ? null
      : `${p}.data should hold ${map.height}×${map.width} ${map.encoding} values (${expectedBytes(map)} bytes), got ${bytes} bytes`;
  },
);

const panel = object({
  role: oneOf('input', 'kernel', 'output', 'tensor'),
  title: string,
  shape: arrayOf(count),
  min: finite,
  max: finite,
  colorscale: arrayOf(colorStop, 2),
  centered: boolean,
  maps: arrayOf(featureMap, 1),
});

const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined ? null : check(v, p);
const pair: Check = (v, p) =>
  Array.isArray(v) && v.length === 2 ? arrayOf(count)(v, p) : `${p} should be a [before, after] pair, got ${describe(v)}`;
const perAxis = arrayOf(count, 1);
// The mode is shown inside plotly's hover template, which reads HTML tags and %{…} fields: plain words only.
const paddingMode: Check = (v, p) =>
  string(v, p) ??
  (/^[A-Za-z0-9 .,+-]{1,40}$/.test(v as string)
    ? null
    : `${p} should be a few plain words such as 'zeros' or 'reflect', got ${describe(v)}`);
const window = object({
  kernel: perAxis,
  stride: perAxis,
  dilation: perAxis,
  padding: arrayOf(pair, 1),
  groups: count,
  paddingMode: optional(paddingMode),
});

const payload = object({
  window: optional(window),
  version: (v, p) => (v === 1 ? null : `${p} should be 1 (this extension reads featuremap v1), got ${describe(v)}`),
  op: string,
  backend: string,
  panels: arrayOf(panel, 1),
  notes: arrayOf(string),
});

const traceRow = object({
  index: count,
  op: string,
  name: string,
  inShape: arrayOf(count),
  outShape: arrayOf(count),
  kernel: arrayOf(count),
  stride: arrayOf(count),
  dilation: arrayOf(count),
  padding: arrayOf(pair),
  groups: count,
  params: count,
  macs: count,
  outBytes: count,
  receptiveField: arrayOf(finite),
  jump: arrayOf(finite),
  formula: arrayOf(string),
  error: optional(string),
});

const trace = object({
  version: (v, p) => (v === 1 ? null : `${p} should be 1 (this extension reads shapetrace v1), got ${describe(v)}`),
  source: oneOf('traceShapes', 'recorded'),
  title: string,
  inputShape: arrayOf(count),
  rows: arrayOf(traceRow),
  totals: object({ params: count, macs: count, outBytes: count }),
  backend: string,
});

/** Number of bytes a base64 string decodes to (−1 when it is not base64). */
export function base64Length(data: string): number {
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return -1;
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - padding;
}

/** Checks a feature-map payload against the v1 schema. */
export function validateFeatureMap(value: unknown): Validated<FeatureMapPayload> {
  const error = payload(value, 'payload');
  return error ? { ok: false, error } : { ok: true, value: value as FeatureMapPayload };
}

/** Checks a shape-trace payload against the v1 schema. */
export function validateShapeTrace(value: unknown): Validated<ShapeTracePayload> {
  const error = trace(value, 'payload');
  return error ? { ok: false, error } : { ok: true, value: value as ShapeTracePayload };
}
