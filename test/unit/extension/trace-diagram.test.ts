/** The shape trace's size diagram (extension/src/trace-diagram.ts). */
import { describe, expect, it } from 'vitest';
import { traceDiagram } from '../../../extension/src/trace-diagram';
import { failing, tracePayload, traceRow } from '../protocol/fixtures';

describe('trace diagram', () => {
  it('scales the diagram boxes to each layer’s spatial size and marks the failing layer', () => {
    const { boxes, width } = traceDiagram(failing());
    expect(boxes.map((b) => [b.op, b.size, b.channels, b.width, b.height, b.error])).toEqual([
      ['input', '32×32', '3 ch', 64, 64, false],
      ['conv2d', '32×32', '8 ch', 64, 64, false],
      ['maxPool2d', '16×16', '8 ch', 32, 32, false],
      ['relu', '16×16', '8 ch', 32, 32, false],
      ['conv2d', '✕', 'error', 32, 32, true],
    ]);
    expect(width).toBe(5 * 72);
    const flat = traceDiagram(tracePayload([traceRow({ op: 'flatten', outShape: [1, 8192] })])).boxes[1]!;
    expect([flat.size, flat.channels, flat.width]).toEqual(['1×1', '8192 features', 2]);
  });});
