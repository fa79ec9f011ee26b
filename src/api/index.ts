export * from './contract.js';
export * from './result.js';
export * from './client.js';
export * from './dispatch.js';
export * from './wire.js';
export * from './csp.js';
export * from './cancel.js';
export * from './workbench.js';
