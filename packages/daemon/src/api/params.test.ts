import { describe, expect, it } from 'vitest';
import type { PaddockError } from '@paddock/protocol';
import type { SandboxService } from '../core/sandbox-service.js';
import { PARAM_SCHEMAS, checkParams, paramsOf } from './params.js';
import { apiRoutes, type RouteDeps } from './routes.js';

// The daemon's own route table: a route added there is checked here without being listed.
const all = apiRoutes({
  core: {} as SandboxService,
  config: { quota: {} },
} as unknown as RouteDeps);

const codeOf = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as PaddockError).code;
  }
};

describe('path parameters', () => {
  it('has a schema for every parameter of every route', () => {
    const missing = all.flatMap((r) => paramsOf(r.path).filter((p) => !(p in PARAM_SCHEMAS)));
    expect(missing).toEqual([]);
    expect(all.some((r) => r.path.includes('{tenant}'))).toBe(true);
  });

  it.each([
    ['a NUL byte', { id: 'a\u0000b' }],
    ['an over-long id', { id: 'a'.repeat(64) }],
    ['upper case', { id: 'Box' }],
    ['a traversal', { id: '..' }],
    ['an over-long session id', { id: 'ok', sessionId: 'x'.repeat(10_000) }],
    ['a bad tenant', { tenant: 'Team A' }],
    ['a bad key id', { keyId: 'zz' }],
  ])('refuses %s with VALIDATION_FAILED before any work', (_what, params) => {
    expect(codeOf(() => checkParams(params))).toBe('VALIDATION_FAILED');
  });

  it('accepts good parameters and fails closed on unknown ones', () => {
    expect(codeOf(() => checkParams({ id: 'box-1', tenant: 'team-a' }))).toBe('ok');
    expect(codeOf(() => checkParams({ surprise: 'x' }))).toBe('INTERNAL_ERROR');
  });
});
