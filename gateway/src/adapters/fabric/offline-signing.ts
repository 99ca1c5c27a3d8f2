/**
 * Fabric's offline-signing flow through the official client, for identities whose private key the gateway never
 * holds (bring your own key): the gateway prepares a proposal for the identity's certificate and hands out its
 * digest; with the signature it endorses and hands out the endorsed transaction's digest; with that signature it
 * submits to the orderer and waits for the commit status.
 *
 * The commit status is asked with the gateway's own identity (any reader of the channel may ask for any transaction's
 * status, on a real peer as on the dev peer), so the enterprise signs exactly two digests per transaction.
 * Failures are the adapter's {@link LedgerError}s; checking the enterprise's signatures before they are sent is the
 * caller's job (ledger/signing-sessions.ts, with @hainan/signer's rule), so that a wrong one gets a code of its own.
 */
import type * as grpc from '@grpc/grpc-js';
import { connect, hash, type Gateway } from '@hyperledger/fabric-gateway';
import { gateway as gatewayProtos, msp } from '@hyperledger/fabric-protos';
import { DEFAULT_GATEWAY_DEADLINES, type GatewayDeadlines } from './connection';
import { toLedgerError } from './errors';

/** An identity the gateway holds the certificate of, but not the key. */
export interface CertificateIdentity {
  readonly mspId: string;
  readonly certPem: string | Buffer;
}

/** A proposal ready to be signed. */
export interface PreparedProposal {
  readonly transactionId: string;
  /** The serialized proposal (kept by the gateway until it is signed). */
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`: what the enterprise signs. */
  readonly digest: Uint8Array;
}

/** An endorsed transaction ready to be signed. */
export interface EndorsedTransaction {
  readonly transactionId: string;
  readonly bytes: Uint8Array;
  readonly digest: Uint8Array;
  /** The chaincode's answer, from the endorsement. */
  readonly result: Uint8Array;
}

/** A transaction's fate on the ledger. */
export interface CommitOutcome {
  readonly transactionId: string;
  readonly blockNumber: bigint;
  /** Fabric's validation code (0 = VALID). */
  readonly code: number;
  readonly successful: boolean;
}

/** Settings of {@link newOfflineSigning}. */
export interface OfflineSigningOptions {
  /** The gateway's shared gRPC connection. */
  readonly client: grpc.Client;
  readonly channelName: string;
  readonly chaincodeName: string;
  /** A `Gateway` of the gateway's own (with its signer), which asks for commit statuses. */
  readonly statusGateway: Gateway;
  /** The certificate of that identity (its serialized form goes into the status request). */
  readonly statusIdentity: CertificateIdentity;
  readonly deadlines?: Partial<GatewayDeadlines>;
}

/** The flow's three steps. */
export interface OfflineSigning {
  prepare(
    identity: CertificateIdentity,
    contractName: string,
    transactionName: string,
    args: readonly string[],
    transientData?: Readonly<Record<string, string>>,
  ): PreparedProposal;
  endorse(identity: CertificateIdentity, proposal: Uint8Array, signature: Uint8Array): Promise<EndorsedTransaction>;
  submit(identity: CertificateIdentity, transaction: Uint8Array, signature: Uint8Array): Promise<CommitOutcome>;
}

/**
 * Create the flow over the gateway's connection.
 *
 * @param options - Connection, channel, chaincode and the identity that asks for commit statuses.
 */
export function newOfflineSigning(options: Readonly<OfflineSigningOptions>): OfflineSigning {
  const deadlines = { ...DEFAULT_GATEWAY_DEADLINES, ...options.deadlines };
  // A Gateway object holds no resources of its own (the gRPC connection is shared): one per call is cheap.
  const gatewayOf = (identity: CertificateIdentity): Gateway =>
    connect({
      client: options.client,
      identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
      // No signer: the enterprise signs. Digests are SHA-256, as the enterprise's signer expects.
      hash: hash.sha256,
      evaluateOptions: () => ({ deadline: Date.now() + deadlines.evaluateTimeoutMs }),
      endorseOptions: () => ({ deadline: Date.now() + deadlines.endorseTimeoutMs }),
      submitOptions: () => ({ deadline: Date.now() + deadlines.submitTimeoutMs }),
      commitStatusOptions: () => ({ deadline: Date.now() + deadlines.commitStatusTimeoutMs }),
    });
  const statusIdentityBytes = (() => {
    const serialized = new msp.SerializedIdentity();
    serialized.setMspid(options.statusIdentity.mspId);
    serialized.setIdBytes(Buffer.from(options.statusIdentity.certPem));
    return serialized.serializeBinary();
  })();

  return {
    prepare(identity, contractName, transactionName, args, transientData) {
      const contract = gatewayOf(identity)
        .getNetwork(options.channelName)
        .getContract(options.chaincodeName, contractName);
      const proposal = contract.newProposal(transactionName, {
        arguments: [...args],
        ...(transientData === undefined ? {} : { transientData: { ...transientData } }),
      });
      return { transactionId: proposal.getTransactionId(), bytes: proposal.getBytes(), digest: proposal.getDigest() };
    },

    async endorse(identity, proposal, signature) {
      try {
        const transaction = await gatewayOf(identity).newSignedProposal(proposal, signature).endorse();
        return {
          transactionId: transaction.getTransactionId(),
          bytes: transaction.getBytes(),
          digest: transaction.getDigest(),
          result: transaction.getResult(),
        };
      } catch (err) {
        throw toLedgerError(err);
      }
    },

    async submit(identity, transaction, signature) {
      let transactionId: string;
      try {
        const submitted = await gatewayOf(identity).newSignedTransaction(transaction, signature).submit();
        transactionId = submitted.getTransactionId();
      } catch (err) {
        throw toLedgerError(err);
      }
      const request = new gatewayProtos.CommitStatusRequest();
      request.setTransactionId(transactionId);
      request.setChannelId(options.channelName);
      request.setIdentity(statusIdentityBytes);
      try {
        // Signed by the status gateway's own signer when it is asked.
        const unsigned = new gatewayProtos.SignedCommitStatusRequest();
        unsigned.setRequest(request.serializeBinary());
        const status = await options.statusGateway.newCommit(unsigned.serializeBinary()).getStatus();
        return { transactionId, blockNumber: status.blockNumber, code: status.code, successful: status.successful };
      } catch (err) {
        throw toLedgerError(err);
      }
    },
  };
}
