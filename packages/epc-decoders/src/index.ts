/**
 * @hainan/epc-decoders: what a counter's reads name, as pure decoders with no hardware dependencies (epc-tds and
 * @hainan/ledger-model only), for the scanner agent (which adds the USB HID / serial transports) and the gateway
 * (which decodes the reads a counter uploads with the very same code).
 */
export * from './reads';
export * from './gs1';
export * from './sgtin';
export * from './epc-tds';
export * from './epc-bytes-memo';
export * from './epc-read';
export * from './digital-link';
export * from './gs1-element-string';
export * from './hainan-code';
export * from './text-read';
export * from './upload-key';
export * from './report-decoder';
export * from './lines';
export * from './tsl-ascii';
export * from './m100';
export * from './cp2110';
export * from './hid-pos';
export * from './layouts';
