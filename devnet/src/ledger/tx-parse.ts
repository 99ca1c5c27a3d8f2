/**
 * Takes a transaction envelope apart into what validation and commit need: ids, proposal time, creator,
 * endorsements, the read/write sets and the chaincode event.
 */
import { common, peer } from '@hyperledger/fabric-protos';
import { decodeTxRwSet, NamespaceRwSet } from './rwset';

/** A chaincode event as committed. */
export interface ChaincodeEventRecord {
  chaincodeId: string;
  txId: string;
  eventName: string;
  payload: Uint8Array;
}

/** The parts of an endorser transaction that the committer uses. */
export interface ParsedTx {
  headerType: number;
  channelId: string;
  txId: string;
  timestamp: { seconds: number; nanos: number };
  creator: Uint8Array;
  /** Only for endorser transactions. */
  endorsed?: {
    chaincodeName: string;
    proposalResponsePayload: Uint8Array;
    endorsements: { endorser: Uint8Array; signature: Uint8Array }[];
    rwsets: NamespaceRwSet[];
    event: ChaincodeEventRecord | undefined;
  };
}

/** Parses an envelope; throws on malformed bytes. */
export function parseEnvelope(envelopeBytes: Uint8Array): ParsedTx {
  const env = common.Envelope.deserializeBinary(envelopeBytes);
  const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
  const header = payload.getHeader();
  if (!header) throw new Error('missing header');
  const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
  const sh = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
  const ts = ch.getTimestamp();
  const parsed: ParsedTx = {
    headerType: ch.getType(),
    channelId: ch.getChannelId(),
    txId: ch.getTxId(),
    timestamp: { seconds: ts ? ts.getSeconds() : 0, nanos: ts ? ts.getNanos() : 0 },
    creator: sh.getCreator_asU8(),
  };
  if (ch.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return parsed;
  const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
  const action = tx.getActionsList()[0];
  if (!action) throw new Error('transaction has no action');
  const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
  const endorsedAction = cap.getAction();
  if (!endorsedAction) throw new Error('missing endorsed action');
  const prpBytes = endorsedAction.getProposalResponsePayload_asU8();
  const prp = peer.ProposalResponsePayload.deserializeBinary(prpBytes);
  const ccAction = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  const eventBytes = ccAction.getEvents_asU8();
  let event: ChaincodeEventRecord | undefined;
  if (eventBytes.length > 0) {
    const ev = peer.ChaincodeEvent.deserializeBinary(eventBytes);
    if (ev.getEventName() !== '') {
      event = {
        chaincodeId: ev.getChaincodeId(),
        txId: ev.getTxId(),
        eventName: ev.getEventName(),
        payload: ev.getPayload_asU8(),
      };
    }
  }
  parsed.endorsed = {
    chaincodeName: ccAction.getChaincodeId()?.getName() ?? '',
    proposalResponsePayload: prpBytes,
    endorsements: endorsedAction
      .getEndorsementsList()
      .map((e) => ({ endorser: e.getEndorser_asU8(), signature: e.getSignature_asU8() })),
    rwsets: decodeTxRwSet(ccAction.getResults_asU8()),
    event,
  };
  return parsed;
}
