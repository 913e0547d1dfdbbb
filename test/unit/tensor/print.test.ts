/**
 * A tensor's text (`toString`, the `text/plain` of small and empty tensors): summarised with `...` like
 * PyTorch and NumPy, and bounded by the printed rows as well as by the values; `toArray`'s nested arrays are
 * checked against the allocation limit first.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Tensor, arange, setAllocationLimit, tensor, zeros } from '../../../kernel/src/index';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Tensor.toString', () => {
  it('summarises more than 1000 values: 3 entries at each end of a long axis around ...; 1000 print in full', () => {
    expect(String(arange(2000).reshape([2, 10, 100]))).toBe(
      [
        'Tensor [2,10,100] float32',
        '[[[0, 1, 2, ..., 97, 98, 99],',
        '  [100, 101, 102, ..., 197, 198, 199],',
        '  [200, 201, 202, ..., 297, 298, 299],',
        '  ...,',
        '  [700, 701, 702, ..., 797, 798, 799],',
        '  [800, 801, 802, ..., 897, 898, 899],',
        '  [900, 901, 902, ..., 997, 998, 999]],',
        ' [[1000, 1001, 1002, ..., 1097, 1098, 1099],',
        '  [1100, 1101, 1102, ..., 1197, 1198, 1199],',
        '  [1200, 1201, 1202, ..., 1297, 1298, 1299],',
        '  ...,',
        '  [1700, 1701, 1702, ..., 1797, 1798, 1799],',
        '  [1800, 1801, 1802, ..., 1897, 1898, 1899],',
        '  [1900, 1901, 1902, ..., 1997, 1998, 1999]]]',
      ].join('\n'),
    );
    // Up to 1000 values, every value prints, as before.
    expect(String(tensor([[1, 2.25], [3, 4]]))).toBe('Tensor [2,2] float32\n[[1, 2.25],\n [3, 4]]');
    expect(String(arange(1000)).split(', ')).toHaveLength(1000);
    expect(String(zeros([2, 0]))).toBe('Tensor [2,0] float32\n[[],\n []]');
  });

  it('summarises the rows of an empty tensor: [1e7, 0] prints 7 rows, not ten million', () => {
    expect(String(zeros([1e7, 0]))).toBe('Tensor [10000000,0] float32\n[[],\n [],\n [],\n ...,\n [],\n [],\n []]');
    const text = String(zeros([1, 1e7, 0, 0]));
    expect(text.startsWith('Tensor [1,10000000,0,0] float32\n[[[],')).toBe(true);
    expect(text.length).toBeLessThan(100);
  });

  it('reads the values in place: no nested arrays are built', () => {
    const toArray = vi.spyOn(Tensor.prototype, 'toArray');
    String(arange(12).reshape([3, 4]));
    String(zeros([1e7, 0]));
    expect(toArray).not.toHaveBeenCalled();
  });

  it('stays bounded when no axis is long enough to cut (rank 20 of size 2, then an empty axis)', () => {
    // 2^20 empty rows, each axis only 2 long: the 5000-entry guard ends the text with ...
    const text = String(zeros([...Array<number>(20).fill(2), 0]));
    expect(text.length).toBeLessThan(100_000);
    expect(text).toContain('...');
  });
});

describe('Tensor.toArray', () => {
  it('refuses more nested entries than the allocation limit before building any: rows of an empty tensor count', () => {
    const previous = setAllocationLimit(1024);
    try {
      // 300 rows + 0 values = 300 entries > 256: no values, but 300 arrays to build.
      const arrayFrom = vi.spyOn(Array, 'from');
      expect(() => zeros([300, 0]).toArray()).toThrow(
        /^toArray: tensor expected at most 256 entries \(1024 bytes\) in the nested arrays, got 300 entries = 1200 bytes \(tensor \[300,0\]\); hint: .*setAllocationLimit\(bytes\)/,
      );
      expect(arrayFrom).not.toHaveBeenCalled();
      expect(zeros([100, 0]).toArray()).toHaveLength(100);
    } finally {
      setAllocationLimit(previous);
    }
  });
});
