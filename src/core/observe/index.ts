/** `pathlight observe`: events with identities, Hubble-named filters, compact/table/JSON output (pure). */
export * from './event.js';
export * from './filters.js';
export * from './format.js';
