/**
 * How big a displayed output may get. A feature map that would not fit is quantized, then downsampled, then
 * cut to fewer maps — each step said in the payload's `notes` — so a notebook does not grow by megabytes per
 * cell.
 */
import { fail } from '../errors';

/** Limits on one displayed feature map. */
export interface DisplayLimits {
  /** Largest size of one output's bundle (vendor JSON + PNG + text), in bytes. Default 1 000 000. */
  maxPayloadBytes: number;
  /** Most maps drawn per panel, e.g. of a `[64, 3, 3, 3]` kernel's 192. Default 64. */
  maxMapsPerPanel: number;
}

const DEFAULTS: DisplayLimits = { maxPayloadBytes: 1_000_000, maxMapsPerPanel: 64 };
let current: DisplayLimits = { ...DEFAULTS };

/** The limits in force. @example displayOptions().maxPayloadBytes; // 1000000 */
export function displayOptions(): Readonly<DisplayLimits> {
  return current;
}

/**
 * Changes the limits for later outputs; returns the previous ones (pass them back to restore).
 *
 * @example
 * setDisplayOptions({ maxPayloadBytes: 4_000_000 }); // { maxPayloadBytes: 1000000, maxMapsPerPanel: 64 }
 */
export function setDisplayOptions(options: Partial<DisplayLimits>): DisplayLimits {
  for (const [arg, min] of [['maxPayloadBytes', 1024], ['maxMapsPerPanel', 1]] as const) {
    const value = options[arg];
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      fail({
        op: 'setDisplayOptions',
        arg: `options.${arg}`,
        expected: `an integer ≥ ${min}`,
        actual: String(value),
        hint: `the default is ${DEFAULTS[arg]}`,
      });
    }
  }
  const previous = current;
  current = { ...current, ...options };
  return previous;
}
