export { watchStream } from './stream.js';
export { watcherCount } from './tree.js';
