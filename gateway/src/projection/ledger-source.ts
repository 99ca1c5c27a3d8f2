/**
 * The projection's own ledger connection: a `LedgerClient` signed as the customs identity (customs may read every
 * event), separate from the request clients so that closing or reconnecting the event stream never touches them.
 */
import { readFileSync } from 'node:fs';
import { openLedgerClient, type LedgerClient } from '../adapters/fabric';
import type { LedgerSettings } from '../ledger/ledger-settings';

/**
 * Open the client the follower reads events with.
 *
 * @param settings - Peer, channel, chaincode and identities.
 * @param customsMspId - MSP of the identity to sign the events request with (its first identity in the profile).
 * @returns The client; pass `(from, checkpoint) => client.chaincodeEvents(from, checkpoint)` to the follower and
 *   `close()` it after the follower stopped.
 * @throws Error when the settings hold no identity of that MSP.
 */
export function openProjectionLedgerClient(settings: LedgerSettings, customsMspId: string): LedgerClient {
  const identity = settings.identities.find((entry) => entry.mspId === customsMspId);
  if (!identity) {
    throw new Error(`the ledger settings hold no identity of MSP ${customsMspId} for the projection`);
  }
  return openLedgerClient({
    endpoint: settings.endpoint,
    ...(settings.tlsCaCertPath === undefined ? {} : { tlsCaCertPem: readFileSync(settings.tlsCaCertPath) }),
    ...(settings.hostAlias === undefined ? {} : { hostAlias: settings.hostAlias }),
    channelName: settings.channel,
    chaincodeName: settings.chaincode,
    identity: { mspId: identity.mspId, certPem: readFileSync(identity.certPath) },
    keyPem: readFileSync(identity.keyPath),
  });
}
