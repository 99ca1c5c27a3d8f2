/**
 * The endorser: validates a signed proposal the way a Fabric peer does (header, creator certificate,
 * signature, tx id, duplicates, channel membership), runs it on the chaincode through a fresh simulator,
 * and signs the proposal response with the peer's identity. Failures carry the stage and the exact text a
 * Fabric 2.5 peer gives, so the gateway service can shape the client's error.
 */
import { KeyObject } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { ChannelMsp, IdentityRefusedError, Member } from '../msp';
import { signLowS } from '../crypto/ecdsa';
import { Ledger } from '../ledger/ledger';
import { encodeTxRwSet, sha256 } from '../ledger/rwset';
import { ChaincodeConnection, ExecutionError } from '../chaincode/chaincode-connection';
import { CollectionPolicy, TxSimulator } from '../chaincode/tx-simulator';

/** A deployed chaincode as the peer knows it. */
export interface ChaincodeDefinition {
  name: string;
  version: string;
  connection: ChaincodeConnection;
  /** Explicit private data collections (implicit per-org collections always exist). */
  collections: string[];
}

/** The proposal, unpacked. */
export interface UnpackedProposal {
  signed: InstanceType<typeof peer.SignedProposal>;
  proposal: InstanceType<typeof peer.Proposal>;
  channelHeaderBytes: Uint8Array;
  signatureHeaderBytes: Uint8Array;
  channelId: string;
  txId: string;
  creator: Uint8Array;
  nonce: Uint8Array;
  chaincodeName: string;
  input: InstanceType<typeof peer.ChaincodeInput>;
  payload: InstanceType<typeof peer.ChaincodeProposalPayload>;
  headerType: number;
}

/** Why an endorsement failed. `precondition`: validation/ACL/duplicate; `chaincode`: status outside 200..399; `simulation`: execution failed. */
export type EndorseFailure =
  | { kind: 'precondition'; message: string }
  | { kind: 'chaincode'; status: number; message: string }
  | { kind: 'simulation'; message: string };

/** Outcome of processing a proposal. */
export type EndorseOutcome =
  | {
      ok: true;
      response: InstanceType<typeof peer.ProposalResponse>;
      unpacked: UnpackedProposal;
      privateRwSet: Uint8Array | undefined;
      creator: Member;
    }
  | { ok: false; failure: EndorseFailure };

/** Parses a signed proposal; throws with a description when malformed. */
export function unpackProposal(signed: InstanceType<typeof peer.SignedProposal>): UnpackedProposal {
  const proposalBytes = signed.getProposalBytes_asU8();
  if (proposalBytes.length === 0) throw new Error('a signed proposal is required');
  const proposal = peer.Proposal.deserializeBinary(proposalBytes);
  const header = common.Header.deserializeBinary(proposal.getHeader_asU8());
  const channelHeaderBytes = header.getChannelHeader_asU8();
  const signatureHeaderBytes = header.getSignatureHeader_asU8();
  const ch = common.ChannelHeader.deserializeBinary(channelHeaderBytes);
  const sh = common.SignatureHeader.deserializeBinary(signatureHeaderBytes);
  const payload = peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8());
  if (ch.getChannelId() === '') throw new Error('no channel id provided');
  const ccSpec = spec.getChaincodeSpec();
  if (!ccSpec) throw new Error(`no chaincode spec is provided, channel id [${ch.getChannelId()}]`);
  const name = ccSpec.getChaincodeId()?.getName() ?? '';
  if (name === '') throw new Error(`no chaincode name is provided, channel id [${ch.getChannelId()}]`);
  return {
    signed,
    proposal,
    channelHeaderBytes,
    signatureHeaderBytes,
    channelId: ch.getChannelId(),
    txId: ch.getTxId(),
    creator: sh.getCreator_asU8(),
    nonce: sh.getNonce_asU8(),
    chaincodeName: name,
    input: ccSpec.getInput() ?? new peer.ChaincodeInput(),
    payload,
    headerType: ch.getType(),
  };
}

/** Peer identity used to sign endorsements. */
export interface PeerSigner {
  mspId: string;
  serialized: Uint8Array;
  key: KeyObject;
}

/** The endorser of the dev peer. */
export class Endorser {
  constructor(
    private readonly channelId: string,
    private readonly msp: ChannelMsp,
    private readonly ledger: Ledger,
    private readonly chaincodes: Map<string, ChaincodeDefinition>,
    private readonly signer: PeerSigner,
    private readonly executeTimeoutMs: number,
  ) {}

  hasChaincode(name: string): boolean {
    return this.chaincodes.has(name);
  }

  /** Validates creator + signature; returns the member or a failure text. */
  checkCreator(up: UnpackedProposal): Member | string {
    let member: Member;
    try {
      member = this.msp.deserialize(up.creator);
    } catch (err) {
      if (err instanceof IdentityRefusedError)
        return `access denied: channel [${this.channelId}] creator org unknown, creator is malformed`;
      throw err;
    }
    // Fabric v2.5.6 core/endorser/msgvalidation.go (UnpackedProposal.Validate, lines 176-193): after deserializing,
    // creator.Validate() (a revoked certificate: msp/mspimplvalidate.go line 136) and then the signature check both
    // fail with the same generic text; the reason only goes to the peer's log.
    const genericAuthError = `access denied: channel [${this.channelId}] creator org [${member.mspId}]`;
    if (this.msp.validate(member) !== undefined) return genericAuthError;
    if (!this.msp.verify(member, up.signed.getProposalBytes_asU8(), up.signed.getSignature_asU8()))
      return genericAuthError;
    return member;
  }

  /** Processes a proposal completely (validation, simulation, signing). */
  async process(up: UnpackedProposal): Promise<EndorseOutcome> {
    const fail = (failure: EndorseFailure): EndorseOutcome => ({ ok: false, failure });
    if (up.headerType !== common.HeaderType.ENDORSER_TRANSACTION) {
      return fail({ kind: 'precondition', message: `error validating proposal: invalid header type ${up.headerType}` });
    }
    const creator = this.checkCreator(up);
    if (typeof creator === 'string')
      return fail({ kind: 'precondition', message: `error validating proposal: ${creator}` });
    const expectedTxId = sha256(Buffer.concat([up.nonce, up.creator])).toString('hex');
    if (up.txId !== expectedTxId) {
      return fail({
        kind: 'precondition',
        message: `error validating proposal: invalid txid. got [${up.txId}], expected [${expectedTxId}]`,
      });
    }
    if (this.ledger.txStatus(up.txId)) {
      return fail({
        kind: 'precondition',
        message: `duplicate transaction found [${up.txId}]. Creator [${Buffer.from(up.creator).toString('hex')}]`,
      });
    }
    const cc = this.chaincodes.get(up.chaincodeName);
    if (!cc)
      return fail({
        kind: 'precondition',
        message: `make sure the chaincode ${up.chaincodeName} has been successfully defined on channel ${this.channelId} and try again: chaincode ${up.chaincodeName} not found`,
      });

    const collections: CollectionPolicy = {
      isDefined: (name) =>
        cc.collections.includes(name) ||
        (name.startsWith('_implicit_org_') && this.msp.has(name.slice('_implicit_org_'.length))),
    };
    const simulator = new TxSimulator(this.ledger.state, cc.name, up.channelId, up.txId, collections);
    let result;
    try {
      result = await cc.connection.execute(simulator, up.input.serializeBinary(), up.signed, this.executeTimeoutMs);
    } catch (err) {
      if (err instanceof ExecutionError)
        return fail({ kind: 'simulation', message: `error in simulation: ${err.message}` });
      throw err;
    }
    const { status, message, payload } = result.response;
    if (status < 200 || status >= 400) return fail({ kind: 'chaincode', status, message });

    const { results, pvt } = encodeTxRwSet(simulator.rwset());
    const response = new peer.Response();
    response.setStatus(status);
    response.setMessage(message);
    response.setPayload(payload);
    const ccAction = new peer.ChaincodeAction();
    ccAction.setResults(results);
    if (result.event && result.event.getEventName() !== '') {
      const ev = new peer.ChaincodeEvent();
      ev.setChaincodeId(cc.name);
      ev.setTxId(up.txId);
      ev.setEventName(result.event.getEventName());
      ev.setPayload(result.event.getPayload_asU8());
      ccAction.setEvents(ev.serializeBinary());
    }
    ccAction.setResponse(response);
    const ccId = new peer.ChaincodeID();
    ccId.setName(cc.name);
    ccId.setVersion(cc.version);
    ccAction.setChaincodeId(ccId);
    const prp = new peer.ProposalResponsePayload();
    prp.setProposalHash(proposalHash(up));
    prp.setExtension$(ccAction.serializeBinary());
    const prpBytes = prp.serializeBinary();
    const endorsement = new peer.Endorsement();
    endorsement.setEndorser(this.signer.serialized);
    endorsement.setSignature(signLowS(this.signer.key, Buffer.concat([prpBytes, this.signer.serialized])));
    const pr = new peer.ProposalResponse();
    pr.setVersion(1);
    pr.setResponse(response);
    pr.setPayload(prpBytes);
    pr.setEndorsement(endorsement);
    return { ok: true, response: pr, unpacked: up, privateRwSet: pvt, creator };
  }
}

/** Fabric's proposal hash: SHA-256(channel header ‖ signature header ‖ proposal payload without transient data). */
export function proposalHash(up: UnpackedProposal): Buffer {
  const noTransient = new peer.ChaincodeProposalPayload();
  noTransient.setInput(up.payload.getInput_asU8());
  return sha256(Buffer.concat([up.channelHeaderBytes, up.signatureHeaderBytes, noTransient.serializeBinary()]));
}

/** Builds the transaction envelope the client signs and submits (Fabric gateway's prepareTransaction). */
export function prepareTransaction(
  up: UnpackedProposal,
  response: InstanceType<typeof peer.ProposalResponse>,
): InstanceType<typeof common.Envelope> {
  const noTransient = new peer.ChaincodeProposalPayload();
  noTransient.setInput(up.payload.getInput_asU8());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(response.getPayload_asU8());
  const endorsement = response.getEndorsement();
  if (endorsement) endorsed.setEndorsementsList([endorsement]);
  const cap = new peer.ChaincodeActionPayload();
  cap.setChaincodeProposalPayload(noTransient.serializeBinary());
  cap.setAction(endorsed);
  const action = new peer.TransactionAction();
  action.setHeader(up.signatureHeaderBytes);
  action.setPayload(cap.serializeBinary());
  const tx = new peer.Transaction();
  tx.setActionsList([action]);
  const header = common.Header.deserializeBinary(up.proposal.getHeader_asU8());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(tx.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env;
}
