/**
 * Instants and Asia/Shanghai calendar arithmetic without a clock or a timezone database: defined once in
 * @hainan/ledger-model (every endorser and the gateway must compute the same dates), re-exported for the chaincode.
 */
export {
  addDaysMs,
  addYearsMs,
  ageOn,
  isValidMonth,
  monthAfter,
  parseInstant,
  shanghaiDate,
  shanghaiMonth,
  shanghaiYear,
  startOfShanghaiYear,
  toShanghaiIso,
} from '@hainan/ledger-model';
