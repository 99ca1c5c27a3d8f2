/**
 * @hainan/ledger-model: what the chaincode, the gateway and the agent must agree on, defined once. Dependency-free
 * (Node built-ins only), so the chaincode can carry it onto a Fabric peer and the gateway can check requests with
 * exactly the rules the chain applies.
 */
export * from './errors';
export * from './enums';
export * from './limits';
export * from './patterns';
export * from './gs1';
export * from './canonical-json';
export * from './backoff';
export * from './time';
export * from './fields';
export * from './goods-requests';
export * from './observation-requests';
export * from './supervision-requests';
export * from './customs-requests';
export * from './working-hours';
export * from './gs1-uri';
export * from './ledger-event';
export * from './write-off';
export * from './container-requests';
export * from './item-runs';
