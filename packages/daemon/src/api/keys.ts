/** Key management, for admin keys only: create (shown once), list, revoke. */
import {
  PaddockError,
  createKeySchema,
  createdKeySchema,
  keyIdSchema,
  keyInfoSchema,
  keyListSchema,
  parse,
  validOrThrow,
} from '@paddock/protocol';
import { createKey } from '../auth/api-keys.js';
import type { KeyStore } from '../store/keys.js';
import { route, type Route } from './route.js';

function keyIdOf(params: Record<string, string>): string {
  return validOrThrow(parse(keyIdSchema, params['keyId'], 'path.keyId'));
}

export function keyRoutes(keys: KeyStore): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/keys',
      summary: 'Create an API key for a tenant (admin); the key is in this reply only',
      auth: true,
      scope: 'admin',
      body: createKeySchema,
      reply: createdKeySchema,
      status: 201,
      handle: ({ body }) => createKey(keys, body, new Date()),
    }),
    route({
      method: 'GET',
      path: '/v1/keys',
      summary: 'List API keys (admin); never the keys themselves',
      auth: true,
      scope: 'admin',
      reply: keyListSchema,
      handle: () => ({ keys: keys.list() }),
    }),
    route({
      method: 'DELETE',
      path: '/v1/keys/{keyId}',
      summary: 'Revoke an API key (admin)',
      auth: true,
      scope: 'admin',
      reply: keyInfoSchema,
      handle: ({ params }) => {
        const id = keyIdOf(params);
        if (!keys.revoke(id, new Date().toISOString())) {
          throw new PaddockError('KEY_NOT_FOUND', `No API key '${id}'`);
        }
        return keys.get(id);
      },
    }),
  ];
}
