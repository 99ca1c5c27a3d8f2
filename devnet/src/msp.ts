/**
 * The channel's membership: which organisations (MSP ids) belong to the channel and which root CA each
 * trusts. Turns a serialized identity from a proposal, envelope or signed request into a verified member,
 * refusing unknown MSPs and certificates that do not chain to the MSP's root, as a Fabric peer does. Then
 * {@link ChannelMsp.validate} refuses certificates revoked by a CRL in the MSP's configuration (msp-crl.ts).
 *
 * Fabric splits the two the same way: DeserializeIdentity builds the chain (an unknown issuer fails there, "creator
 * is malformed"), Validate checks revocation (a revoked creator fails there, with the generic "creator org [X]").
 */
import { KeyObject, X509Certificate } from 'node:crypto';
import { msp } from '@hyperledger/fabric-protos';
import { verifyFabricSignature } from './crypto/ecdsa';
import { serialKey, verifyCrls, VerifiedCrl } from './msp-crl';

/** One organisation of the channel. */
export interface OrgDefinition {
  mspId: string;
  /** Root CA certificate(s), PEM. */
  rootCertsPem: string[];
  /** The MSP's `revocation_list`: CRLs, PEM (as configtxgen and fabric-ca write them). */
  revocationListPem?: string[];
}

/** A creator whose certificate was validated against its MSP. */
export interface Member {
  mspId: string;
  certPem: string;
  cert: X509Certificate;
  publicKey: KeyObject;
  /** The serialized identity bytes exactly as received. */
  serialized: Uint8Array;
  /** Node OU from the subject (client, admin, peer, orderer), if any. */
  ou: string | undefined;
  /** Index of the MSP root that issued the certificate. */
  rootIndex: number;
}

/** Fabric's text for a revoked certificate (msp/mspimplvalidate.go), kept for logs: the peer hides it from clients. */
export const REVOKED_CERTIFICATE_TEXT = 'The certificate has been revoked';

/** Why an identity was refused. */
export class IdentityRefusedError extends Error {
  constructor(
    message: string,
    readonly mspId: string | undefined,
  ) {
    super(message);
    this.name = 'IdentityRefusedError';
  }
}

const CACHE_LIMIT = 10_000;

/** The channel MSP manager. */
export class ChannelMsp {
  #roots = new Map<string, X509Certificate[]>();
  /** Verified CRLs per MSP id. */
  #crls = new Map<string, VerifiedCrl[]>();
  /** Validated identities by their serialized bytes: certificate parsing and chain checks are costly. */
  readonly #cache = new Map<string, Member>();

  /** An MSP without CRLs; {@link ChannelMsp.create} also loads the organisations' revocation lists. */
  constructor(orgs: readonly OrgDefinition[]) {
    for (const org of orgs) {
      this.#roots.set(
        org.mspId,
        org.rootCertsPem.map((pem) => new X509Certificate(pem)),
      );
    }
  }

  /** The channel MSP of a configuration, revocation lists included. */
  static async create(orgs: readonly OrgDefinition[]): Promise<ChannelMsp> {
    const m = new ChannelMsp([]);
    await m.reconfigure(orgs);
    return m;
  }

  /**
   * Replaces roots and CRLs with those of a new channel configuration (a committed config block), as a peer
   * rebuilds its MSP manager on a config update. Cached identities are dropped: revocation applies from here on.
   */
  async reconfigure(orgs: readonly OrgDefinition[]): Promise<void> {
    const roots = new Map<string, X509Certificate[]>();
    const crls = new Map<string, VerifiedCrl[]>();
    for (const org of orgs) {
      const orgRoots = org.rootCertsPem.map((pem) => new X509Certificate(pem));
      roots.set(org.mspId, orgRoots);
      crls.set(org.mspId, await verifyCrls(orgRoots, org.revocationListPem ?? []));
    }
    this.#roots = roots;
    this.#crls = crls;
    this.#cache.clear();
  }

  /**
   * Fabric's identity Validate step beyond the chain: undefined when the member is valid, else why not (only
   * {@link REVOKED_CERTIFICATE_TEXT} here). Not cached, so a CRL added by a config update applies at once.
   */
  validate(member: Member): string | undefined {
    const serial = serialKey(member.cert.serialNumber);
    for (const crl of this.#crls.get(member.mspId) ?? []) {
      if (crl.rootIndex === member.rootIndex && crl.revokedSerials.has(serial)) return REVOKED_CERTIFICATE_TEXT;
    }
    return undefined;
  }

  /** MSP ids of the channel's organisations. */
  get mspIds(): string[] {
    return [...this.#roots.keys()];
  }

  /** True when `mspId` is a member of the channel. */
  has(mspId: string): boolean {
    return this.#roots.has(mspId);
  }

  /**
   * Deserializes and validates a creator. Throws IdentityRefusedError when the MSP is unknown, the bytes
   * are not a certificate, the certificate is outside its validity, or it does not chain to the MSP root.
   */
  deserialize(serialized: Uint8Array): Member {
    const cacheKey = Buffer.from(serialized).toString('base64');
    const cached = this.#cache.get(cacheKey);
    if (cached) {
      if (Date.parse(cached.cert.validTo) >= Date.now()) return cached;
      this.#cache.delete(cacheKey);
    }
    let sid: msp.SerializedIdentity;
    try {
      sid = msp.SerializedIdentity.deserializeBinary(serialized);
    } catch {
      throw new IdentityRefusedError('creator is malformed', undefined);
    }
    const mspId = sid.getMspid();
    const roots = this.#roots.get(mspId);
    if (!roots) throw new IdentityRefusedError(`MSP ${mspId} is not defined on channel`, mspId);
    const certPem = Buffer.from(sid.getIdBytes_asU8()).toString('utf8');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certPem);
    } catch {
      throw new IdentityRefusedError('could not parse certificate', mspId);
    }
    const now = Date.now();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) {
      throw new IdentityRefusedError('certificate expired or not yet valid', mspId);
    }
    const rootIndex = roots.findIndex((root) => cert.checkIssued(root) && cert.verify(root.publicKey));
    if (rootIndex < 0) throw new IdentityRefusedError('certificate not signed by a root of the MSP', mspId);
    const ou = /(?:^|\n)OU=([^\n]+)/.exec(cert.subject)?.[1];
    const member: Member = { mspId, certPem, cert, publicKey: cert.publicKey, serialized, ou, rootIndex };
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(cacheKey, member);
    return member;
  }

  /** Verifies `signature` over `message` by `member`. */
  verify(member: Member, message: Uint8Array, signature: Uint8Array): boolean {
    return verifyFabricSignature(member.publicKey, message, signature);
  }
}

/** Serializes an identity (MSP id + PEM certificate) as Fabric's msp.SerializedIdentity bytes. */
export function serializeIdentity(mspId: string, certPem: string): Uint8Array {
  const sid = new msp.SerializedIdentity();
  sid.setMspid(mspId);
  sid.setIdBytes(Buffer.from(certPem));
  return sid.serializeBinary();
}
