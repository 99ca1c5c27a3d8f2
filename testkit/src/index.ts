// Public entry point of @hainan/testkit.
export * from './services';
// devnet helpers (start a dev peer, connect the official client) are exported here as well:
export * from './devnet';
export * from './trace';
export * from './random';
export * from './rwset';
