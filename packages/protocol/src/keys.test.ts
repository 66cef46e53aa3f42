import { describe, expect, it } from 'vitest';
import { scopeAllows } from './keys.js';

describe('key scopes', () => {
  it('lets admin do everything and every scope read', () => {
    expect(scopeAllows(['admin'], 'exec')).toBe(true);
    expect(scopeAllows(['files'], 'read')).toBe(true);
    expect(scopeAllows(['read'], 'exec')).toBe(false);
    expect(scopeAllows(['exec'], 'admin')).toBe(false);
    expect(scopeAllows([], 'read')).toBe(false);
  });
});
