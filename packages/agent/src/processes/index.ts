export { ProcessTable, type ProcessTableOptions } from './table.js';
export { processHandlers, processLogStream } from './handlers.js';
