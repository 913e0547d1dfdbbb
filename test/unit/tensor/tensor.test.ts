import { describe, expect, it } from 'vitest';
import { ConvLabError, tensor } from '../../../kernel/src/index';

describe('tensor', () => {
  it('infers the shape of nested arrays and keeps values as float32', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6.5],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6.5],
    ]);
  });

  it('takes flat values with a shape, one size inferred from -1', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [1, 1, 2, -1]).shape).toEqual([1, 1, 2, 3]);
    expect(tensor(new Float32Array(4)).shape).toEqual([4]);
  });

  it('reshape keeps the values and checks the size', () => {
    const t = tensor([1, 2, 3, 4, 5, 6]).reshape([3, 2]);
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(() => t.reshape([4, 2])).toThrow(/reshape: shape expected a shape with 6 elements, got \[4,2\] \(8 elements\)/);
  });

  it('rejects ragged nesting with the shape seen so far', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ConvLabError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/tensor: values expected nested arrays of equal lengths \(shape so far \[2,2\]\)/);
  });

  it('rejects a shape that does not fit the values, and non-integer sizes', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/expected a shape with 3 elements, got \[2,2\]/);
    expect(() => tensor([1, 2], [2.5])).toThrow(/non-negative integer sizes, got 2.5 at axis 0/);
  });

  it('prints shape and values', () => {
    expect(String(tensor([[1, 2.25]]))).toBe('Tensor [1,2] float32\n[[1, 2.25]]');
  });
});
