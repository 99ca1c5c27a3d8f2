/** GS1 identifier rules (SGTIN, GTIN, GLN): defined once in @hainan/ledger-model, re-exported for the chaincode. */
export { gs1CheckDigit, gtinOfSgtin, isValidGtin14, isValidLocation, parseSgtin, type Sgtin } from '@hainan/ledger-model';
