export * from './schema.js';
export * from './errors.js';
export * from './lifecycle.js';
export * from './constants.js';
export * from './api.js';
export * from './agent.js';
export * from './processes.js';
export * from './sessions.js';
