/**
 * The peer's `gateway.Gateway` gRPC service — Evaluate, Endorse, Submit, CommitStatus, ChaincodeEvents —
 * answering an unmodified @hyperledger/fabric-gateway client with the codes, texts and error details a
 * Fabric 2.5 peer gives (see docs/fabric-peer-behaviour.md).
 */
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { common, gateway, google, peer } from '@hyperledger/fabric-protos';
import { ChannelMsp, IdentityRefusedError, Member } from '../msp';
import { Ledger } from '../ledger/ledger';
import { Endorser, prepareTransaction, unpackProposal, UnpackedProposal } from './endorser';
import { Orderer } from './orderer';

type Msg<T extends abstract new (...args: never) => unknown> = InstanceType<T>;

/** One error detail as the client reads it. */
interface Detail {
  address: string;
  mspId: string;
  message: string;
}

/** Builds a gRPC status error with optional gateway.ErrorDetail entries in grpc-status-details-bin. */
export function rpcError(code: grpc.status, message: string, details: Detail[] = []): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (details.length > 0) {
    const st = new google.rpc.Status();
    st.setCode(code);
    st.setMessage(message);
    for (const d of details) {
      const ed = new gateway.ErrorDetail();
      ed.setAddress(d.address);
      ed.setMspId(d.mspId);
      ed.setMessage(d.message);
      const any = new Any();
      any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
      any.setValue(ed.serializeBinary());
      st.addDetails(any);
    }
    metadata.set('grpc-status-details-bin', Buffer.from(st.serializeBinary()));
  }
  return Object.assign(new Error(message), { code, details: message, metadata });
}

const readersPolicyFailure = (channel: string, policy: string) =>
  `Failed evaluating policy on signed data during check policy on channel [${channel}] with policy [${policy}]: ` +
  `[implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the '${policy.split('/').pop()}' sub-policies to be satisfied]`;

/** Dependencies of the service. */
export interface GatewayServiceDeps {
  channelId: string;
  peerAddress: string;
  peerMspId: string;
  /** Orderer address and MSP named in a submit's error details when the orderer cannot be reached. */
  ordererAddress: string;
  ordererMspId: string;
  msp: ChannelMsp;
  ledger: Ledger;
  endorser: Endorser;
  orderer: Orderer;
}

/** Creates the service implementation for grpc.Server#addService(gateway.GatewayService, ...). */
export function newGatewayService(deps: GatewayServiceDeps): grpc.UntypedServiceImplementation {
  const { channelId, ledger, endorser, orderer, msp } = deps;
  const detail = (message: string): Detail => ({ address: deps.peerAddress, mspId: deps.peerMspId, message });

  /** Verifies a signed request (commit status, chaincode events) made by `identity`. */
  const checkSigned = (identity: Uint8Array, message: Uint8Array, signature: Uint8Array): Member | undefined => {
    try {
      const member = msp.deserialize(identity);
      // A revoked signer satisfies no policy (Fabric drops identities whose Validate fails before evaluating it).
      if (msp.validate(member) !== undefined) return undefined;
      return msp.verify(member, message, signature) ? member : undefined;
    } catch (err) {
      if (err instanceof IdentityRefusedError) return undefined;
      throw err;
    }
  };

  const unpack = (signed: Msg<typeof peer.SignedProposal> | undefined): UnpackedProposal | grpc.ServiceError => {
    try {
      if (!signed) throw new Error('a signed proposal is required');
      return unpackProposal(signed);
    } catch (err) {
      return rpcError(grpc.status.INVALID_ARGUMENT, `failed to unpack transaction proposal: ${(err as Error).message}`);
    }
  };

  return {
    async evaluate(
      call: grpc.ServerUnaryCall<Msg<typeof gateway.EvaluateRequest>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      try {
        const up = unpack(call.request.getProposedTransaction());
        if ('code' in up) return callback(up);
        if (up.channelId !== channelId) {
          return callback(
            rpcError(
              grpc.status.UNAVAILABLE,
              `failed to get config for channel [${up.channelId}]: could not get last config for channel ${up.channelId}`,
            ),
          );
        }
        if (!endorser.hasChaincode(up.chaincodeName)) {
          return callback(
            rpcError(
              grpc.status.FAILED_PRECONDITION,
              `no peers available to evaluate chaincode ${up.chaincodeName} in channel ${up.channelId}`,
            ),
          );
        }
        const outcome = await endorser.process(up);
        if (!outcome.ok) {
          const f = outcome.failure;
          if (f.kind === 'precondition') {
            return callback(
              rpcError(grpc.status.FAILED_PRECONDITION, `evaluate call to endorser returned error: ${f.message}`, [
                detail(f.message),
              ]),
            );
          }
          if (f.kind === 'chaincode') {
            const text = `chaincode response ${f.status}, ${f.message}`;
            // Observed on a real peer: an empty chaincode message leaves the gRPC message empty.
            return callback(
              rpcError(
                grpc.status.UNKNOWN,
                f.message === '' ? '' : `evaluate call to endorser returned error: ${text}`,
                [detail(text)],
              ),
            );
          }
          return callback(
            rpcError(grpc.status.ABORTED, 'failed to evaluate transaction, see attached details for more info', [
              detail(f.message),
            ]),
          );
        }
        const res = new gateway.EvaluateResponse();
        res.setResult(outcome.response.getResponse());
        callback(null, res);
      } catch (err) {
        callback(rpcError(grpc.status.INTERNAL, `dev peer failure: ${(err as Error).message}`));
      }
    },

    async endorse(
      call: grpc.ServerUnaryCall<Msg<typeof gateway.EndorseRequest>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      try {
        const up = unpack(call.request.getProposedTransaction());
        if ('code' in up) return callback(up);
        if (up.channelId !== channelId || !endorser.hasChaincode(up.chaincodeName)) {
          return callback(
            rpcError(
              grpc.status.FAILED_PRECONDITION,
              `no combination of peers can be derived which satisfy the endorsement policy: No metadata was found for chaincode ${up.chaincodeName} in channel ${up.channelId}`,
            ),
          );
        }
        const outcome = await endorser.process(up);
        if (!outcome.ok) {
          const f = outcome.failure;
          const text = f.kind === 'chaincode' ? `chaincode response ${f.status}, ${f.message}` : f.message;
          return callback(
            rpcError(grpc.status.ABORTED, 'failed to endorse transaction, see attached details for more info', [
              detail(text),
            ]),
          );
        }
        if (outcome.privateRwSet) orderer.keepPrivate(up.txId, outcome.privateRwSet);
        const res = new gateway.EndorseResponse();
        res.setPreparedTransaction(prepareTransaction(up, outcome.response));
        callback(null, res);
      } catch (err) {
        callback(rpcError(grpc.status.INTERNAL, `dev peer failure: ${(err as Error).message}`));
      }
    },

    submit(
      call: grpc.ServerUnaryCall<Msg<typeof gateway.SubmitRequest>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      try {
        const env = call.request.getPreparedTransaction();
        if (!env || env.getSignature_asU8().length === 0) {
          return callback(rpcError(grpc.status.INVALID_ARGUMENT, 'a signed prepared transaction is required'));
        }
        let txId: string;
        let creator: Uint8Array;
        let envChannel: string;
        try {
          const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
          const header = payload.getHeader();
          if (!header) throw new Error('missing header');
          const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
          txId = ch.getTxId();
          envChannel = ch.getChannelId();
          creator = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8();
        } catch (err) {
          return callback(
            rpcError(grpc.status.INVALID_ARGUMENT, `failed to unpack transaction: ${(err as Error).message}`),
          );
        }
        if (envChannel !== channelId) {
          return callback(rpcError(grpc.status.UNAVAILABLE, `no orderer nodes available for channel ${envChannel}`));
        }
        if (!orderer.reachable) {
          // Fabric 2.5 internal/pkg/gateway/api.go Submit: every orderer's broadcast failed before any orderer looked at
          // the envelope (so before its Writers check); one detail per orderer
          // with the gRPC dial error (the client sees SubmitError 14).
          const dialError = `rpc error: code = Unavailable desc = connection error: desc = "transport: error while dialing: dial tcp ${deps.ordererAddress}: connect: connection refused"`;
          return callback(
            rpcError(grpc.status.UNAVAILABLE, 'no orderers could successfully process transaction', [
              { address: deps.ordererAddress, mspId: deps.ordererMspId, message: dialError },
            ]),
          );
        }
        // The orderer's Writers check: a valid member of the channel signed the envelope.
        if (!checkSigned(creator, env.getPayload_asU8(), env.getSignature_asU8())) {
          const info = `implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied`;
          return callback(
            rpcError(grpc.status.ABORTED, 'failed to submit transaction, see attached details for more info', [
              detail(`received unsuccessful response from orderer: status=FORBIDDEN, info=${info}`),
            ]),
          );
        }
        orderer.broadcast(txId, env.serializeBinary());
        callback(null, new gateway.SubmitResponse());
      } catch (err) {
        callback(
          rpcError(
            grpc.status.UNAVAILABLE,
            `no orderers could successfully process transaction: ${(err as Error).message}`,
          ),
        );
      }
    },

    commitStatus(
      call: grpc.ServerUnaryCall<Msg<typeof gateway.SignedCommitStatusRequest>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      let req: Msg<typeof gateway.CommitStatusRequest>;
      try {
        req = gateway.CommitStatusRequest.deserializeBinary(call.request.getRequest_asU8());
      } catch (err) {
        return callback(
          rpcError(
            grpc.status.INVALID_ARGUMENT,
            `failed to unmarshal commit status request: ${(err as Error).message}`,
          ),
        );
      }
      if (req.getChannelId() !== channelId) {
        return callback(
          rpcError(grpc.status.PERMISSION_DENIED, `Failed to get policy manager for channel [${req.getChannelId()}]`),
        );
      }
      if (!checkSigned(req.getIdentity_asU8(), call.request.getRequest_asU8(), call.request.getSignature_asU8())) {
        return callback(
          rpcError(grpc.status.PERMISSION_DENIED, readersPolicyFailure(channelId, '/Channel/Application/Readers')),
        );
      }
      const txId = req.getTransactionId();
      const reply = (status: { blockNumber: number; code: number }) => {
        const res = new gateway.CommitStatusResponse();
        res.setResult(status.code as never);
        res.setBlockNumber(status.blockNumber);
        callback(null, res);
      };
      const known = ledger.txStatus(txId);
      if (known) return reply(known);
      // Like a real peer: wait for the commit, never answer "not found"; give up at the deadline.
      let timer: NodeJS.Timeout | undefined;
      const unsubscribe = ledger.onCommit(() => {
        const status = ledger.txStatus(txId);
        if (!status) return;
        cleanup();
        reply(status);
      });
      const cleanup = () => {
        unsubscribe();
        if (timer) clearTimeout(timer);
      };
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      if (Number.isFinite(deadlineMs)) {
        timer = setTimeout(
          () => {
            cleanup();
            callback(rpcError(grpc.status.DEADLINE_EXCEEDED, 'context deadline exceeded'));
          },
          Math.max(0, deadlineMs - Date.now()),
        );
      }
      call.on('cancelled', cleanup);
    },

    async chaincodeEvents(call: grpc.ServerWritableStream<Msg<typeof gateway.SignedChaincodeEventsRequest>, unknown>) {
      let cancelled = false;
      let wake: (() => void) | undefined;
      const unsubscribe = ledger.onCommit(() => wake?.());
      call.on('cancelled', () => {
        cancelled = true;
        wake?.();
      });
      const fail = (err: grpc.ServiceError) => {
        unsubscribe();
        call.emit('error', err);
      };
      try {
        const req = gateway.ChaincodeEventsRequest.deserializeBinary(call.request.getRequest_asU8());
        if (req.getChannelId() !== channelId)
          return fail(
            rpcError(grpc.status.PERMISSION_DENIED, `Failed to get policy manager for channel [${req.getChannelId()}]`),
          );
        if (!checkSigned(req.getIdentity_asU8(), call.request.getRequest_asU8(), call.request.getSignature_asU8())) {
          return fail(
            rpcError(grpc.status.PERMISSION_DENIED, readersPolicyFailure(channelId, '/Channel/Application/Readers')),
          );
        }
        const chaincode = req.getChaincodeId();
        const start = req.getStartPosition();
        let block = start?.hasSpecified() ? start.getSpecified()!.getNumber() : ledger.height;
        if (start?.hasOldest()) block = 0;
        let skipUntilTx = req.getAfterTransactionId();
        for (; !cancelled; block++) {
          while (block >= ledger.height && !cancelled) await new Promise<void>((resolve) => (wake = resolve));
          if (cancelled) break;
          let events = ledger.eventsOfBlock(block).filter((e) => e.chaincodeId === chaincode);
          if (skipUntilTx) {
            const idx = events.findIndex((e) => e.txId === skipUntilTx);
            if (idx >= 0) events = events.slice(idx + 1);
            skipUntilTx = '';
          }
          if (events.length === 0) continue;
          const res = new gateway.ChaincodeEventsResponse();
          res.setBlockNumber(block);
          res.setEventsList(
            events.map((e) => {
              const ev = new peer.ChaincodeEvent();
              ev.setChaincodeId(e.chaincodeId);
              ev.setTxId(e.txId);
              ev.setEventName(e.eventName);
              ev.setPayload(e.payload);
              return ev;
            }),
          );
          if (!call.write(res)) await new Promise<void>((resolve) => call.once('drain', resolve));
        }
        unsubscribe();
      } catch (err) {
        fail(rpcError(grpc.status.INTERNAL, `dev peer failure: ${(err as Error).message}`));
      }
    },
  };
}
