import { describe, expect, it } from 'vitest';
import { requiredScope, type Route } from './route.js';

const r = (method: Route['method'], path: string, scope?: Route['scope']): Route => ({
  method,
  path,
  summary: '',
  auth: true,
  reply: 'any',
  handle: () => undefined,
  ...(scope ? { scope } : {}),
});

describe('requiredScope', () => {
  it('reads for GET, files for file writes, exec for the rest, unless the route says', () => {
    expect(requiredScope(r('GET', '/v1/sandboxes'))).toBe('read');
    expect(requiredScope(r('POST', '/v1/sandboxes/{id}/files/write'))).toBe('files');
    expect(requiredScope(r('POST', '/v1/sandboxes/{id}/exec'))).toBe('exec');
    expect(requiredScope(r('DELETE', '/v1/sandboxes/{id}'))).toBe('exec');
    expect(requiredScope(r('GET', '/v1/keys', 'admin'))).toBe('admin');
  });
});
