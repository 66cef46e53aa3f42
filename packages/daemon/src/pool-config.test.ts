import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './config.js';
import { parsePool, poolClasses } from './pool-config.js';

const D = DEFAULT_LIMITS;

describe('parsePool', () => {
  it('unset is the default; none is an empty pool', () => {
    expect(parsePool(undefined, D)).toBe('default');
    expect(parsePool('', D)).toBe('default');
    expect(parsePool('none', D)).toEqual([]);
  });

  it('reads classes with sizes over the defaults', () => {
    expect(parsePool('jail:3,gvisor:1:memoryMiB=256/diskMiB=512', D)).toEqual([
      { backend: 'jail', size: 3, limits: D },
      { backend: 'gvisor', size: 1, limits: { ...D, memoryMiB: 256, diskMiB: 512 } },
    ]);
  });

  it.each([
    ['qemu:2', /backend/],
    ['jail', /expected/],
    ['jail:-1', /count/],
    ['jail:1.5', /count/],
    ['jail:9999', /count/],
    ['jail:1:ram=3', /size keys/],
    ['jail:1:memoryMiB=1', /size.memoryMiB/],
    ['jail:1:memoryMiB=x', /size.memoryMiB/],
    ['jail:1:2:3', /expected/],
  ])('refuses %s', (text, why) => {
    expect(() => parsePool(text, D)).toThrow(why);
  });
});

describe('poolClasses', () => {
  it('defaults to two of the default backend, none for microvm', () => {
    expect(poolClasses('default', 'gvisor', D)).toEqual([
      { backend: 'gvisor', size: 2, limits: D },
    ]);
    expect(poolClasses('default', 'microvm', D)).toEqual([]);
  });

  it('keeps an explicit setting as it is', () => {
    const set = [{ backend: 'microvm' as const, size: 1, limits: D }];
    expect(poolClasses(set, 'jail', D)).toEqual(set);
  });
});
