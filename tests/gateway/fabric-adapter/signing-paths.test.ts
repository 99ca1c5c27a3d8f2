// Proves that connectGateway (hash.none + node:crypto signer) signs every request kind the way a peer checks it: proposal, transaction, commit status and chaincode events, with per-call deadlines.
// How: the real fabric-gateway client over a fake gRPC client that records each serialized request; each signature is verified (SHA-256 ECDSA, low-S) against the bytes the peer verifies.
import t from 'tap';
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { common, gateway as gatewayProto, peer } from '@hyperledger/fabric-protos';
import { connect, hash, type GrpcClient } from '@hyperledger/fabric-gateway';
import { connectGateway, DEFAULT_GATEWAY_DEADLINES } from '../../../gateway/src/adapters/fabric/connection';
import { LedgerClient } from '../../../gateway/src/adapters/fabric/ledger-client';
import {
  HASH_FOR_NODE_SIGNER,
  isLowSSignature,
  newNodeCryptoSigner,
} from '../../../gateway/src/adapters/fabric/signer';
import type * as grpc from '@grpc/grpc-js';

const EVALUATE = '/gateway.Gateway/Evaluate';
const ENDORSE = '/gateway.Gateway/Endorse';
const SUBMIT = '/gateway.Gateway/Submit';
const COMMIT_STATUS = '/gateway.Gateway/CommitStatus';
const CHAINCODE_EVENTS = '/gateway.Gateway/ChaincodeEvents';

// --- a self-signed P-256 certificate, DER built by hand (node:crypto parses certificates but cannot issue them) ---

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  return Buffer.from([0x82, length >> 8, length & 0xff]);
}
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}
const ECDSA_WITH_SHA256 = der(0x30, Buffer.from('06082a8648ce3d040302', 'hex'));
function name(commonName: string): Buffer {
  return der(0x30, der(0x31, der(0x30, Buffer.from('0603550403', 'hex'), der(0x0c, Buffer.from(commonName)))));
}
function selfSignedCertPem(privateKey: KeyObject, commonName: string): string {
  const tbs = der(
    0x30,
    Buffer.from('a003020102', 'hex'), // version v3
    Buffer.from('020101', 'hex'), // serial 1
    ECDSA_WITH_SHA256,
    name(commonName),
    der(0x30, der(0x17, Buffer.from('250101000000Z')), der(0x17, Buffer.from('351231000000Z'))),
    name(commonName),
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const cert = der(0x30, tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), signature));
  const base64 = cert
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

function newIdentity(): { keyPem: string; certPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: selfSignedCertPem(privateKey, 'User1@org1.example.com'),
    publicKey,
  };
}

// --- a fake gRPC client answering like a gateway peer ---

interface RecordedCall {
  method: string;
  request: Buffer;
  deadline: unknown;
  startedAtMs: number;
}

function newEndorseResponse(result: Uint8Array): gatewayProto.EndorseResponse {
  const chaincodeResponse = new peer.Response();
  chaincodeResponse.setStatus(200);
  chaincodeResponse.setPayload(result);
  const chaincodeAction = new peer.ChaincodeAction();
  chaincodeAction.setResponse(chaincodeResponse);
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(chaincodeAction.serializeBinary());
  const endorsedAction = new peer.ChaincodeEndorsedAction();
  endorsedAction.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsedAction);
  const transactionAction = new peer.TransactionAction();
  transactionAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.addActions(transactionAction);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setChannelId('mychannel');
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const response = new gatewayProto.EndorseResponse();
  response.setPreparedTransaction(envelope);
  return response;
}

class FakeGatewayPeer {
  readonly calls: RecordedCall[] = [];

  makeUnaryRequest(
    method: string,
    serialize: (value: unknown) => Buffer,
    _deserialize: unknown,
    argument: unknown,
    options: { deadline?: unknown },
    callback: (err: Error | null, value?: unknown) => void,
  ): object {
    this.calls.push({ method, request: serialize(argument), deadline: options.deadline, startedAtMs: Date.now() });
    setImmediate(() => callback(null, this.#respond(method)));
    return {};
  }

  makeServerStreamRequest(
    method: string,
    serialize: (value: unknown) => Buffer,
    _deserialize: unknown,
    argument: unknown,
    options: { deadline?: unknown },
  ): AsyncIterable<unknown> & { cancel(): void } {
    this.calls.push({ method, request: serialize(argument), deadline: options.deadline, startedAtMs: Date.now() });
    const event = new peer.ChaincodeEvent();
    event.setChaincodeId('traceability');
    event.setTxId('a'.repeat(64));
    event.setEventName('ProductMoved');
    event.setPayload(Buffer.from('{"serial":"HN-1"}'));
    const response = new gatewayProto.ChaincodeEventsResponse();
    response.setBlockNumber(8);
    response.addEvents(event);
    return {
      async *[Symbol.asyncIterator]() {
        yield response;
      },
      cancel: () => undefined,
    };
  }

  #respond(method: string): unknown {
    switch (method) {
      case EVALUATE: {
        const response = new peer.Response();
        response.setStatus(200);
        response.setPayload(Buffer.from('{"serial":"HN-1","state":"IN_BOND"}'));
        const result = new gatewayProto.EvaluateResponse();
        result.setResult(response);
        return result;
      }
      case ENDORSE:
        return newEndorseResponse(Buffer.from('{"recorded":true}'));
      case SUBMIT:
        return new gatewayProto.SubmitResponse();
      case COMMIT_STATUS: {
        const result = new gatewayProto.CommitStatusResponse();
        result.setResult(peer.TxValidationCode.VALID);
        result.setBlockNumber(7);
        return result;
      }
      default:
        throw new Error(`unexpected method ${method}`);
    }
  }
}

/** The bytes a peer verifies and the signature it checks, for each recorded request. */
function signedPart(call: RecordedCall): { message: Uint8Array; signature: Uint8Array } {
  switch (call.method) {
    case EVALUATE: {
      const proposal = gatewayProto.EvaluateRequest.deserializeBinary(call.request).getProposedTransaction();
      return {
        message: proposal?.getProposalBytes_asU8() ?? new Uint8Array(),
        signature: proposal?.getSignature_asU8() ?? new Uint8Array(),
      };
    }
    case ENDORSE: {
      const proposal = gatewayProto.EndorseRequest.deserializeBinary(call.request).getProposedTransaction();
      return {
        message: proposal?.getProposalBytes_asU8() ?? new Uint8Array(),
        signature: proposal?.getSignature_asU8() ?? new Uint8Array(),
      };
    }
    case SUBMIT: {
      const envelope = gatewayProto.SubmitRequest.deserializeBinary(call.request).getPreparedTransaction();
      return {
        message: envelope?.getPayload_asU8() ?? new Uint8Array(),
        signature: envelope?.getSignature_asU8() ?? new Uint8Array(),
      };
    }
    case COMMIT_STATUS: {
      const signed = gatewayProto.SignedCommitStatusRequest.deserializeBinary(call.request);
      return { message: signed.getRequest_asU8(), signature: signed.getSignature_asU8() };
    }
    case CHAINCODE_EVENTS: {
      const signed = gatewayProto.SignedChaincodeEventsRequest.deserializeBinary(call.request);
      return { message: signed.getRequest_asU8(), signature: signed.getSignature_asU8() };
    }
    default:
      throw new Error(`unexpected method ${call.method}`);
  }
}

t.test(
  'evaluate, submit (endorse, submit, commit status) and chaincode events are all signed verifiably and low-S',
  async (t) => {
    const identity = newIdentity();
    const fakePeer = new FakeGatewayPeer();
    const gateway = connectGateway({
      client: fakePeer as unknown as grpc.Client,
      identity: { mspId: 'Org1MSP', certPem: identity.certPem },
      keyPem: identity.keyPem,
    });
    const network = gateway.getNetwork('mychannel');
    const ledger = new LedgerClient({ contract: network.getContract('traceability'), network });

    t.same(await ledger.evaluate('GetProduct', ['HN-1']), { serial: 'HN-1', state: 'IN_BOND' });
    t.same(await ledger.submit('RecordMovement', ['{"serial":"HN-1"}']), { recorded: true });
    const events = await ledger.chaincodeEvents(0n);
    const received = [];
    for await (const event of events) received.push(event);
    t.same(
      received.map((event) => [event.blockNumber, event.eventName]),
      [[8n, 'ProductMoved']],
    );

    t.same(
      fakePeer.calls.map((call) => call.method),
      [EVALUATE, ENDORSE, SUBMIT, COMMIT_STATUS, CHAINCODE_EVENTS],
    );
    for (const call of fakePeer.calls) {
      const { message, signature } = signedPart(call);
      t.ok(message.length > 0 && signature.length > 0, `${call.method}: signed`);
      t.ok(
        verify('sha256', message, identity.publicKey, signature),
        `${call.method}: verifies over the bytes the peer checks`,
      );
      t.ok(isLowSSignature(signature), `${call.method}: low-S`);
    }
  },
);

t.test('each unary call carries its own deadline; the event stream has none', async (t) => {
  const identity = newIdentity();
  const fakePeer = new FakeGatewayPeer();
  const deadlines = { ...DEFAULT_GATEWAY_DEADLINES, evaluateTimeoutMs: 1_234 };
  const gateway = connectGateway({
    client: fakePeer as unknown as grpc.Client,
    identity: { mspId: 'Org1MSP', certPem: identity.certPem },
    keyPem: identity.keyPem,
    deadlines: { evaluateTimeoutMs: 1_234 },
  });
  const network = gateway.getNetwork('mychannel');
  const ledger = new LedgerClient({ contract: network.getContract('traceability'), network });
  await ledger.evaluate('GetProduct', ['HN-1']);
  await ledger.submit('RecordMovement', ['{}']);
  await ledger.chaincodeEvents(0n);

  const expected: Record<string, number> = {
    [EVALUATE]: deadlines.evaluateTimeoutMs,
    [ENDORSE]: deadlines.endorseTimeoutMs,
    [SUBMIT]: deadlines.submitTimeoutMs,
    [COMMIT_STATUS]: deadlines.commitStatusTimeoutMs,
  };
  const toleranceMs = 1_000;
  for (const call of fakePeer.calls) {
    const timeoutMs = expected[call.method];
    if (timeoutMs === undefined) {
      t.equal(call.deadline, undefined, `${call.method}: no deadline`);
      continue;
    }
    const remainingMs = Number(call.deadline) - call.startedAtMs;
    t.ok(
      remainingMs <= timeoutMs && remainingMs > timeoutMs - toleranceMs,
      `${call.method}: deadline ≈ now + ${timeoutMs} ms (got ${remainingMs})`,
    );
  }
});

t.test(
  'the signer must be paired with hash.none: with hash.sha256 the peer would see a signature over the digest',
  async (t) => {
    const identity = newIdentity();
    const fakePeer = new FakeGatewayPeer();
    const gateway = connect({
      client: fakePeer as unknown as GrpcClient,
      identity: { mspId: 'Org1MSP', credentials: Buffer.from(identity.certPem) },
      signer: newNodeCryptoSigner(identity.keyPem),
      hash: hash.sha256, // wrong pairing
    });
    await gateway.getNetwork('mychannel').getContract('traceability').evaluate('GetProduct');
    const [call] = fakePeer.calls;
    t.ok(call);
    if (!call) return;
    const { message, signature } = signedPart(call);
    t.notOk(verify('sha256', message, identity.publicKey, signature), 'a peer would refuse it');
    t.equal(HASH_FOR_NODE_SIGNER, hash.none, 'the exported pairing is hash.none');
    t.equal(HASH_FOR_NODE_SIGNER(message), message, 'hash.none hands over the message itself');
  },
);

t.test('connectGateway refuses a key that does not match the certificate, and bad deadlines', async (t) => {
  const identity = newIdentity();
  const other = newIdentity();
  const fakePeer = new FakeGatewayPeer() as unknown as grpc.Client;
  t.throws(
    () =>
      connectGateway({
        client: fakePeer,
        identity: { mspId: 'Org1MSP', certPem: identity.certPem },
        keyPem: other.keyPem,
      }),
    /does not match the private key/,
  );
  t.throws(
    () =>
      connectGateway({
        client: fakePeer,
        identity: { mspId: 'Org1MSP', certPem: identity.certPem },
        keyPem: identity.keyPem,
        deadlines: { submitTimeoutMs: 0 },
      }),
    /submitTimeoutMs/,
  );
  t.throws(
    () =>
      connectGateway({
        client: fakePeer,
        identity: { mspId: ' ', certPem: identity.certPem },
        keyPem: identity.keyPem,
      }),
    /mspId/,
  );
});
