/**
 * Makes every Tensor displayable: its display is `tensorBundle` (feature map, PNG and text). Registered here,
 * by the display layer, so that `tensor.ts` stays a leaf that imports no display code.
 */
import { Tensor } from '../tensor';
import { tensorBundle } from './bundle';
import { JUPYTER_DISPLAY, type MimeBundle } from './protocol';

declare module '../tensor' {
  interface Tensor {
    /** Jupyter display: a feature map (with input and kernel when an op made it), PNG and text fallbacks. */
    [JUPYTER_DISPLAY](): MimeBundle;
  }
}

Tensor.prototype[JUPYTER_DISPLAY] = function (this: Tensor): MimeBundle {
  return tensorBundle(this);
};
