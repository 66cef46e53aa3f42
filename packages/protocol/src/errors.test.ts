import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, ERROR_CODES, PaddockError, isErrorCode, statusOf } from './errors.js';

describe('error registry', () => {
  it('gives every code an HTTP error status and a hint', () => {
    for (const code of ERROR_CODES) {
      expect(statusOf(code)).toBeGreaterThanOrEqual(400);
      expect(statusOf(code)).toBeLessThan(600);
      expect(ERRORS[code].hint.length).toBeGreaterThan(10);
    }
  });

  it('is documented code by code in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const code of ERROR_CODES) {
      expect(doc).toContain(`| \`${code}\` | ${statusOf(code)} |`);
    }
  });

  it('puts the fix in every message', () => {
    const e = new PaddockError('SANDBOX_NOT_FOUND', "Sandbox 'x' does not exist");
    expect(e.toBody()).toEqual({
      code: 'SANDBOX_NOT_FOUND',
      message: `Sandbox 'x' does not exist. ${ERRORS.SANDBOX_NOT_FOUND.hint}`,
    });
    expect(e.status).toBe(404);
  });

  it('recognises only registered codes', () => {
    expect(isErrorCode('FILE_NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
