/**
 * The decision of account:WriteOffPeriod (底账核销, issue 18 Must 4): customs writes off a closed period of an
 * enterprise's book. Pure: the account contract loads the period, any earlier write-off and what the match reads
 * (ledger/write-off-inputs.ts), decides here and commits. The match itself is @hainan/ledger-model's
 * {@link matchWriteOff}, so anyone holding the ledger recomputes the same matched set and hash.
 */
import {
  ChaincodeError,
  ErrorCode,
  matchWriteOff,
  type WriteOffInput,
  type WriteOffRecord,
} from '@hainan/ledger-model';
import type { Decision, Tx } from './decision';
import type { PeriodRecord } from './records';
import { KeyType } from '../ledger/keys';

/**
 * Refuses a write-off before anything is read for it: only a closed period, and only once.
 *
 * @throws ChaincodeError PERIOD_NOT_CLOSED, ALREADY_WRITTEN_OFF (naming when and the transaction)
 */
export function requireWriteOffAllowed(
  enterprise: string,
  period: string,
  closed: PeriodRecord | undefined,
  earlier: WriteOffRecord | undefined,
): PeriodRecord {
  if (earlier)
    throw new ChaincodeError(
      ErrorCode.ALREADY_WRITTEN_OFF,
      `period ${period} of ${enterprise} was written off at ${earlier.writtenOffAt} (transaction ${earlier.txId})`,
    );
  if (!closed)
    throw new ChaincodeError(
      ErrorCode.PERIOD_NOT_CLOSED,
      `period ${period} of ${enterprise} is not closed; close it (account:ClosePeriod) before writing it off`,
    );
  return closed;
}

/**
 * Writes off a closed period: matches its book against its documents and records the result under
 * [enterprise, period], named `writeOff` in the ledger event (type WRITE_OFF).
 *
 * @param expectedMatchedHash - The hash of the matched set the caller saw (a preview); the write-off is refused
 * rather than recording another set.
 * @throws ChaincodeError WRITE_OFF_CHANGED when the matched set's hash is not `expectedMatchedHash`
 */
export function decideWriteOff(
  closed: PeriodRecord,
  input: WriteOffInput,
  by: string,
  tx: Tx,
  expectedMatchedHash?: string,
): Decision & { record: WriteOffRecord } {
  const result = matchWriteOff(input);
  if (expectedMatchedHash !== undefined && result.matchedHash !== expectedMatchedHash)
    throw new ChaincodeError(
      ErrorCode.WRITE_OFF_CHANGED,
      `the matched set of period ${input.period} of ${input.enterprise} now hashes to ${result.matchedHash}, not ${expectedMatchedHash}: its documents changed since; preview again`,
    );
  const record: WriteOffRecord = {
    enterprise: input.enterprise,
    period: input.period,
    periodSnapshotHash: closed.snapshotHash,
    writtenOffAt: tx.iso,
    writtenOffBy: by,
    txId: tx.id,
    ...result,
  };
  return {
    type: 'WRITE_OFF',
    eventTime: tx.iso,
    writes: [{ type: KeyType.writeOff, attrs: [input.enterprise, input.period], value: record }],
    records: { writeOff: record },
    record,
  };
}
