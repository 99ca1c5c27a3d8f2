/**
 * Public API of the scanner agent, for embedding it (a kiosk app, a test harness) instead of running the
 * CLI. Explicit exports only.
 */
export { CountSession, BATCH_READS_MAX, BATCH_AGE_MS_MAX } from './agent';
export type { CountSessionOptions, CountOutcome } from './agent';
export { loadConfig } from './config';
export type { AgentConfig, DeviceSpec } from './config';
export { AgentError, EXIT, isAgentError } from './errors';
export type { AgentErrorCode } from './errors';
export { LAYOUTS, LAYOUT_INFO, newReportDecoder } from '@hainan/epc-decoders';
export type { LayoutName } from '@hainan/epc-decoders';
export { decodeEpcHex } from '@hainan/epc-decoders';
export { decodeTextRead } from '@hainan/epc-decoders';
export { EpcReadDecoder } from '@hainan/epc-decoders';
export { newGatewayClient, GatewayError } from './outbox/gateway-client';
export type { GatewayClient, CloseReport, ReadsAck } from './outbox/gateway-client';
export { Spool } from './outbox/spool';
export { Uploader } from './outbox/uploader';
export { openHidTransport, listHidDevices, classifyHidDevice } from './transport/hid';
export { openSerialTransport, listSerialPorts } from './transport/serial';
export { openStdinTransport } from './transport/stdin';
export { openReplayTransport } from './transport/replay';
export type { Transport } from './transport/transport';
export type { Read, RawReport } from '@hainan/epc-decoders';
