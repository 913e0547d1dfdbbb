import { expect, it } from 'vitest';
import { arange, col2im, im2col, ones, tensor, type Im2colOptions } from '../../../kernel/src/index';
import { describeEachBackend, expectMatchesTorch, ORACLE_TIMEOUT_MS, seeded, type DiffCase } from '../support/sweep';
import { flat } from '../support/helpers';

// § numbers in test names are sections of kernel/docs/semantics.md.

describeEachBackend('im2col / col2im', () => {
  it('§8.1: rows are c·kh·kw + i·kw + j, columns are output positions row-major', () => {
    const x = arange(1, 19).reshape([1, 2, 3, 3]);
    const cols = im2col(x, [2, 2]);
    expect(cols.shape).toEqual([1, 8, 4]);
    // Row 1 = channel 0, kernel (0, 1): the top-right cell of each window; row 4 = channel 1, kernel (0, 0).
    expect(cols.toArray()).toEqual([
      [
        [1, 2, 4, 5],
        [2, 3, 5, 6],
        [4, 5, 7, 8],
        [5, 6, 8, 9],
        [10, 11, 13, 14],
        [11, 12, 14, 15],
        [13, 14, 16, 17],
        [14, 15, 17, 18],
      ],
    ]);
  });

  it('§8.2: fold(unfold(ones)) counts windows per cell: 4×4, k2 → corners 1, edges 2, interior 4', () => {
    const divisor = col2im(im2col(ones([1, 1, 4, 4]), 2), [4, 4], 2);
    expect(divisor.toArray()).toEqual([
      [
        [
          [1, 2, 2, 1],
          [2, 4, 4, 2],
          [2, 4, 4, 2],
          [1, 2, 2, 1],
        ],
      ],
    ]);
  });

  it('padding modes gather the padded cells; col2im is the adjoint: <im2col(x), c> = <x, col2im(c)>', () => {
    const x = tensor(seeded([2, 3, 5, 4], 1), [2, 3, 5, 4]);
    for (const options of [
      { padding: 1, paddingMode: 'reflect' },
      { padding: 'same', stride: 2, dilation: 2 },
      {
        padding: [
          [2, 0],
          [1, 3],
        ],
        paddingMode: 'circular',
        stride: [1, 2],
      },
    ] as Im2colOptions[]) {
      const cols = im2col(x, [3, 2], options);
      const c = tensor(seeded(cols.shape, 2), cols.shape);
      const back = col2im(c, [5, 4], [3, 2], options);
      const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
      expect(dot(flat(cols), flat(c)), JSON.stringify(options)).toBeCloseTo(dot(flat(x), flat(back)), 3);
    }
    expect(flat(im2col(tensor([1, 2, 3], [1, 1, 3]), [2], { padding: 1, paddingMode: 'replicate' }))).toEqual(
      [1, 1, 2, 3, 1, 2, 3, 3],
    );
  });

  it('unbatched [C, H, W] in gives [C·kh·kw, L] out', () => {
    expect(im2col(ones([2, 4, 4]), 3).shape).toEqual([18, 4]);
    expect(col2im(ones([18, 4]), [4, 4], 3).shape).toEqual([2, 4, 4]);
  });

  it(
    'match PyTorch F.unfold / F.fold over kernels, strides, dilations and paddings',
    () => {
      const cases: DiffCase[] = [];
      let seed = 20000;
      for (const kernel of [
        [1, 1],
        [2, 2],
        [3, 2],
        [2, 3],
      ] as const) {
        for (const stride of [1, 2, 3]) {
          for (const dilation of [1, 2]) {
            for (const padding of [0, 1, 2]) {
              const [h, w] = [6, 5];
              if (kernel.some((k, i) => dilation * (k - 1) + 1 > [h, w][i]! + 2 * padding)) continue;
              const options = { stride, dilation, padding };
              const x = [2, 3, h, w];
              const xs = seeded(x, seed++);
              cases.push({
                label: `unfold x=[${x}] k=[${kernel}] ${JSON.stringify(options)}`,
                oracle: {
                  op: 'unfold',
                  tensors: { x: { shape: x, data: xs } },
                  options: { ...options, kernel_size: kernel },
                },
                run: () => im2col(tensor(xs, x), kernel, options),
              });
              const colShape = im2col(tensor(xs, x), kernel, options).shape;
              const cs = seeded(colShape, seed++);
              cases.push({
                label: `fold cols=[${colShape}] k=[${kernel}] ${JSON.stringify(options)}`,
                oracle: {
                  op: 'fold',
                  tensors: { x: { shape: [...colShape], data: cs } },
                  options: { ...options, kernel_size: kernel, output_size: [h, w] },
                },
                run: () => col2im(tensor(cs, colShape), [h, w], kernel, options),
              });
            }
          }
        }
      }
      expect(cases.length).toBeGreaterThan(100);
      expectMatchesTorch(cases);
    },
    ORACLE_TIMEOUT_MS,
  );
});
