export { create } from './create.js';
export { exec } from './exec.js';
export { ls } from './ls.js';
export { rm } from './rm.js';
export { serve } from './serve.js';
export { setup } from './setup.js';
export { logs } from './logs.js';
