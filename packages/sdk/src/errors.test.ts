import { ERROR_CODES, type ErrorCode } from '@paddock/protocol';
import { describe, expect, it } from 'vitest';
import {
  CommandTimeoutError,
  FileNotFoundError,
  InvalidStateError,
  QuotaExceededError,
  PaddockError,
  ProcessExitedBeforeReadyError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  SandboxAlreadyExistsError,
  SandboxNotFoundError,
  SandboxUnavailableError,
  SessionAlreadyExistsError,
  SessionNotFoundError,
  UnauthorizedError,
  ValidationError,
  errorFromBody,
  isErrorBody,
} from './errors.js';

describe('errorFromBody', () => {
  const cases: [ErrorCode, new (...args: never[]) => PaddockError][] = [
    ['SANDBOX_NOT_FOUND', SandboxNotFoundError],
    ['SANDBOX_ALREADY_EXISTS', SandboxAlreadyExistsError],
    ['UNAUTHORIZED', UnauthorizedError],
    ['VALIDATION_FAILED', ValidationError],
    ['INVALID_STATE', InvalidStateError],
    ['QUOTA_EXCEEDED', QuotaExceededError],
    ['COMMAND_TIMEOUT', CommandTimeoutError],
    ['FILE_NOT_FOUND', FileNotFoundError],
    ['SANDBOX_UNAVAILABLE', SandboxUnavailableError],
    ['PROCESS_NOT_FOUND', ProcessNotFoundError],
    ['PROCESS_READY_TIMEOUT', ProcessReadyTimeoutError],
    ['PROCESS_EXITED_BEFORE_READY', ProcessExitedBeforeReadyError],
    ['SESSION_NOT_FOUND', SessionNotFoundError],
    ['SESSION_ALREADY_EXISTS', SessionAlreadyExistsError],
  ];

  it.each(cases)('maps %s to its class', (code, Class) => {
    const err = errorFromBody({ code, message: 'm', details: { a: 1 } }, 499);
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(PaddockError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code,
      message: 'm',
      status: 499,
      details: { a: 1 },
      name: Class.name,
    });
  });

  it('maps every other code to the base class with the registry status', () => {
    const mapped = new Set(cases.map(([c]) => c));
    for (const code of ERROR_CODES.filter((c) => !mapped.has(c))) {
      const err = errorFromBody({ code, message: 'm' });
      expect(err.constructor).toBe(PaddockError);
      expect(err.code).toBe(code);
    }
    expect(errorFromBody({ code: 'NO_SPACE', message: 'full' }).status).toBe(507);
  });

  it('exposes retryable from the registry', () => {
    expect(errorFromBody({ code: 'SANDBOX_UNAVAILABLE', message: '' }).retryable).toBe(true);
    expect(errorFromBody({ code: 'SANDBOX_NOT_FOUND', message: '' }).retryable).toBe(false);
  });

  it('tolerates timeout details of the wrong type', () => {
    const err = new CommandTimeoutError('t', { details: { stdout: 5 } });
    expect(err).toMatchObject({ stdout: '', stderr: '', duration: 0 });
  });
});

describe('PaddockError.is', () => {
  it('recognises errors branded by another copy of the SDK', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('paddock.error'), {
      value: true,
    });
    expect(PaddockError.is(foreign)).toBe(true);
    expect(PaddockError.is(new SandboxNotFoundError('x'))).toBe(true);
    expect(PaddockError.is(new Error('x'))).toBe(false);
    expect(PaddockError.is(null)).toBe(false);
    expect(PaddockError.is('SANDBOX_NOT_FOUND')).toBe(false);
  });

  it('keeps the brand out of JSON and enumeration', () => {
    const err = new PaddockError('INTERNAL_ERROR', 'x');
    expect(Object.getOwnPropertySymbols(err).length).toBe(1);
    expect(Object.keys(err)).not.toContain(Symbol.for('paddock.error'));
  });
});

describe('isErrorBody', () => {
  it('accepts only bodies with a known code and a string message', () => {
    expect(isErrorBody({ code: 'SANDBOX_NOT_FOUND', message: 'm' })).toBe(true);
    expect(isErrorBody({ code: 'SANDBOX_NOT_FOUND', message: 'm', details: { x: 1 } })).toBe(true);
    expect(isErrorBody({ code: 'NOPE', message: 'm' })).toBe(false);
    expect(isErrorBody({ code: 'SANDBOX_NOT_FOUND' })).toBe(false);
    expect(isErrorBody({ code: 'SANDBOX_NOT_FOUND', message: 'm', details: [1] })).toBe(false);
    expect(isErrorBody('SANDBOX_NOT_FOUND')).toBe(false);
  });
});
