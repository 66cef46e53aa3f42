import { describe, expect, it } from 'vitest';
import { kernelRandom, kernelRandomHex } from './random.js';

describe('kernel randomness', () => {
  it('reads as many bytes as asked, different each time', () => {
    expect(kernelRandom(64)).toHaveLength(64);
    expect(kernelRandomHex(12)).toMatch(/^[0-9a-f]{24}$/);
    expect(kernelRandomHex(16)).not.toBe(kernelRandomHex(16));
  });
});
