/**
 * One certificate authority of the dev network, doing what a fabric-ca-server 1.5 CA does for the endpoints
 * the project uses: register (by a registrar authenticated with a token), enroll (enrollment id + secret),
 * reenroll (token), revoke and gencrl (token, `hf.Revoker` / `hf.GenCRL`). Its signing certificate is the
 * organisation's root from the devnet crypto material, i.e. the MSP root of that organisation in the channel
 * config, so every certificate it issues is accepted by the dev peer. The HTTP framing lives in ca-server.ts;
 * the checks, their order and their error codes/texts follow fabric-ca's lib/server*.go.
 */
import {
  randomBytes,
  randomInt,
  scrypt as scryptCb,
  timingSafeEqual,
  webcrypto,
  X509Certificate as NodeX509,
  KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { CertAndKey, importCaSigner, signCertificate } from '../crypto/dev-ca';
import { verifyFabricSignature } from '../crypto/ecdsa';
import { CaErrorCode as E, CaHttpError, newAuthenticationErr, newAuthorizationErr, newHttpErr } from './ca-errors';
import { CaAttribute, CaCertificate, CaIdentity, CaStore } from './ca-store';
import { attributeIsTrue, checkCanActOnType, checkCanRegisterAttributes } from './registrar-rules';

type CryptoKey = webcrypto.CryptoKey;

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

/** scrypt cost: ~30 ms on this machine, comparable to fabric-ca's bcrypt cost 10; run off the event loop. */
const SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
const SECRET_HASH_BYTES = 32;

/** Bounds on a registration request (fabric-ca has none; these keep one request small). */
export const REGISTER_LIMITS = {
  maxIdLength: 256,
  maxAttributes: 64,
  maxAttrNameLength: 256,
  maxAttrValueLength: 4096,
  maxSecretLength: 1024,
} as const;

/** fabric-ca's CSR field limits (RFC 3280 upper bounds, lib/serverenroll.go). */
const CSR_FIELD_LIMITS: Record<string, number> = { CN: 64, O: 64, OU: 64, C: 2, L: 128, ST: 128, serialNumber: 64 };

/** RFC 5280 revocation reasons by the names fabric-ca accepts (lib/serverrevoke.go). */
const REVOCATION_REASONS: Record<string, number> = {
  unspecified: 0,
  keycompromise: 1,
  cacompromise: 2,
  affiliationchanged: 3,
  superseded: 4,
  cessationofoperation: 5,
  certificatehold: 6,
  removefromcrl: 8,
  privilegewithdrawn: 9,
  aacompromise: 10,
};

/** Version reported by cainfo: the fabric-ca release whose behaviour this follows, marked as the dev CA. */
export const DEV_CA_VERSION = '1.5.21-devnet';

/** Settings of one CA. */
export interface DevFabricCaOptions {
  /** CA name (`caname`), e.g. `ca-customs`. */
  name: string;
  /** The organisation's root certificate and key. */
  root: CertAndKey;
  store: CaStore;
  /** Validity of enrollment certificates (fabric-ca's default signing profile: 8760 h). */
  enrollmentExpiryMs?: number;
  /** How long a generated CRL is valid (fabric-ca's `crl.expiry`, 24 h). */
  crlExpiryMs?: number;
  /** Wrong passwords allowed before an identity is locked (`registry.identities.passwordattempts`, 10). */
  passwordAttempts?: number;
  /** Also accept tokens signed over `b64(body).b64(cert)` only (FABRIC_CA_SERVER_COMPATIBILITY_MODE_V1_3). */
  compatibilityModeV1_3?: boolean;
}

/** `api.CAInfoResponseNet`, in its JSON field order. */
export interface CaInfo {
  CAName: string;
  CAChain: string;
  IssuerPublicKey: string;
  IssuerRevocationPublicKey: string;
  Version: string;
}

/** An authenticated caller. */
export interface Caller {
  identity: CaIdentity;
  /** The certificate of a token-authenticated caller (absent for basic auth). */
  cert?: CaCertificate;
}

/** `api.RegistrationRequest` as received. */
export interface RegistrationRequest {
  id?: unknown;
  type?: unknown;
  secret?: unknown;
  max_enrollments?: unknown;
  affiliation?: unknown;
  attrs?: unknown;
}

/** The enrollment (and reenrollment) request: cfssl's `signer.SignRequest` plus `attr_reqs`. */
export interface EnrollmentRequest {
  certificate_request?: unknown;
  profile?: unknown;
  subject?: unknown;
  attr_reqs?: unknown;
}

/** `api.RevocationRequest`. */
export interface RevocationRequest {
  id?: unknown;
  serial?: unknown;
  aki?: unknown;
  reason?: unknown;
  gencrl?: unknown;
}

/** `api.GenCRLRequest`. */
export interface GenCrlRequest {
  revokedafter?: unknown;
  revokedbefore?: unknown;
  expireafter?: unknown;
  expirebefore?: unknown;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** fabric-ca's form of a serial / AKI: lower-case hex without leading zeros or colons (`parseInput`). */
export function normalizeHex(input: string): string {
  return input.toLowerCase().replace(/^0+/, '').replace(/:/g, '');
}

/** A Go `encoding/json` body error, as fabric-ca words it. */
function badBody(reason: string, body: string): CaHttpError {
  return newHttpErr(400, E.BadReqBody, `Invalid request body: ${reason}; body=${body}`);
}

/** Random printable secret like fabric-ca's `util.RandomString(12)`. */
function randomSecret(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let out = '';
  for (let i = 0; i < 12; i++) out += letters[randomInt(letters.length)];
  return out;
}

async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, SECRET_HASH_BYTES, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64'), expected.length, SCRYPT);
  return timingSafeEqual(actual, expected);
}

/** Parses a Go `time.Time` JSON value; the zero time and absence mean "unset". */
function goTime(v: unknown, field: string, body: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
    throw badBody(`parsing time ${JSON.stringify(v)} for field ${field} failed`, body);
  const d = new Date(v);
  return d.getUTCFullYear() <= 1 ? undefined : d;
}

/** One CA. */
export class DevFabricCa {
  readonly name: string;
  readonly store: CaStore;
  readonly #caCert: NodeX509;
  readonly #caPem: string;
  readonly #aki: string;
  readonly #signer: { cert: x509.X509Certificate; key: CryptoKey };
  readonly #options: Required<Omit<DevFabricCaOptions, 'root' | 'store' | 'name'>>;

  private constructor(options: DevFabricCaOptions, signer: { cert: x509.X509Certificate; key: CryptoKey }) {
    this.name = options.name;
    this.store = options.store;
    this.#caPem = options.root.certPem;
    this.#caCert = new NodeX509(options.root.certPem);
    this.#signer = signer;
    const ski = signer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
    if (!ski) throw new Error(`CA ${options.name}: root certificate has no subject key identifier`);
    this.#aki = normalizeHex(ski.keyId);
    this.#options = {
      enrollmentExpiryMs: options.enrollmentExpiryMs ?? 8760 * 3600_000,
      crlExpiryMs: options.crlExpiryMs ?? 24 * 3600_000,
      passwordAttempts: options.passwordAttempts ?? 10,
      compatibilityModeV1_3: options.compatibilityModeV1_3 ?? false,
    };
  }

  /** Creates the CA over its root and registry. */
  static async create(options: DevFabricCaOptions): Promise<DevFabricCa> {
    return new DevFabricCa(options, await importCaSigner(options.root));
  }

  /**
   * Registers the bootstrap identity (fabric-ca-server's `-b admin:adminpw`) unless it exists: a client with
   * every registrar right, as in fabric-ca-server's default configuration.
   */
  async bootstrap(enrollmentId: string, secret: string): Promise<void> {
    if (this.store.getIdentity(enrollmentId)) return;
    await this.store.insertIdentity({
      name: enrollmentId,
      secretHash: await hashSecret(secret),
      type: 'client',
      affiliation: '',
      attrs: [
        { name: 'hf.Registrar.Roles', value: '*' },
        { name: 'hf.Registrar.DelegateRoles', value: '*' },
        { name: 'hf.Revoker', value: 'true' },
        { name: 'hf.IntermediateCA', value: 'true' },
        { name: 'hf.GenCRL', value: 'true' },
        { name: 'hf.Registrar.Attributes', value: '*' },
        { name: 'hf.AffiliationMgr', value: 'true' },
        { name: 'hf.EnrollmentID', value: enrollmentId, ecert: true },
        { name: 'hf.Type', value: 'client', ecert: true },
        { name: 'hf.Affiliation', value: '', ecert: true },
      ],
      maxEnrollments: -1,
      state: 0,
      incorrectPasswordAttempts: 0,
    });
  }

  /** `cainfo`. */
  info(): CaInfo {
    return {
      CAName: this.name,
      CAChain: Buffer.from(this.#caPem).toString('base64'),
      IssuerPublicKey: '',
      IssuerRevocationPublicKey: '',
      Version: DEV_CA_VERSION,
    };
  }

  /** `BasicAuthentication`: the enrollment id and secret of an `Authorization: Basic` header. */
  async authenticateBasic(authorization: string | undefined): Promise<Caller> {
    if (!authorization) throw newHttpErr(401, E.NoAuthHdr, 'No authorization header');
    const m = /^basic (.*)$/i.exec(authorization);
    const decoded = m ? Buffer.from(m[1] ?? '', 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (!m || colon < 0) throw newAuthenticationErr(E.NoUserPass, 'No user/pass in authorization header');
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const identity = this.store.getIdentity(username);
    if (!identity)
      throw newAuthenticationErr(E.InvalidUser, `Failed to get user: Failed to get User: sql: no rows in result set`);
    const allowed = this.#options.passwordAttempts;
    if (allowed > 0 && identity.incorrectPasswordAttempts >= allowed) {
      throw newHttpErr(
        401,
        E.PasswordAttempts,
        `Incorrect password entered ${identity.incorrectPasswordAttempts} times, max incorrect password limit of ${allowed} reached`,
      );
    }
    if (!(await secretMatches(password, identity.secretHash))) {
      await this.store.setState(identity.name, identity.state, identity.incorrectPasswordAttempts + 1);
      throw newAuthenticationErr(
        E.InvalidPass,
        'Login failure: Password mismatch: crypto/bcrypt: hashedPassword is not the hash of the given password',
      );
    }
    if (identity.maxEnrollments === 0)
      throw newAuthenticationErr(
        E.InvalidPass,
        `Login failure: Zero is an invalid value for maximum enrollments on identity '${identity.name}'`,
      );
    if (identity.state === -1)
      throw newAuthenticationErr(E.InvalidPass, `Login failure: User ${identity.name} is revoked; access denied`);
    if (identity.maxEnrollments !== -1 && identity.state >= identity.maxEnrollments) {
      throw newAuthenticationErr(
        E.InvalidPass,
        `Login failure: The identity ${identity.name} has already enrolled ${identity.maxEnrollments} times, it has reached its maximum enrollment allowance`,
      );
    }
    if (identity.incorrectPasswordAttempts > 0) await this.store.setState(identity.name, identity.state, 0);
    return { identity };
  }

  /**
   * `TokenAuthentication` with an X.509 token: `Authorization: <b64 cert PEM>.<b64 DER signature>`, the
   * signature (ECDSA, SHA-256, low S) over `<method>.<b64 request URI>.<b64 body>.<b64 cert>`.
   */
  authenticateToken(authorization: string | undefined, method: string, requestUri: string, body: Buffer): Caller {
    if (!authorization) throw newHttpErr(401, E.NoAuthHdr, 'No authorization header');
    const invalid = (why: string) =>
      newAuthenticationErr(E.InvalidToken, `Invalid token in authorization header: ${why}`);
    const parts = authorization.split('.');
    if (parts.length !== 2) throw invalid("Invalid token format; expecting 2 parts separated by '.'");
    const [b64Cert = '', b64Sig = ''] = parts;
    let cert: NodeX509;
    try {
      cert = new NodeX509(Buffer.from(b64Cert, 'base64'));
    } catch (err) {
      throw invalid(`Error in parsing x509 certificate given block bytes: ${(err as Error).message}`);
    }
    const signature = Buffer.from(b64Sig, 'base64');
    const b64Body = body.toString('base64');
    const message = `${method}.${Buffer.from(requestUri).toString('base64')}.${b64Body}.${b64Cert}`;
    let valid = verifyFabricSignature(cert.publicKey, Buffer.from(message), signature);
    if (!valid && this.#options.compatibilityModeV1_3) {
      valid = verifyFabricSignature(cert.publicKey, Buffer.from(`${b64Body}.${b64Cert}`), signature);
    }
    if (!valid) throw invalid('Token signature validation failed');
    this.#verifyIssued(cert);
    const serial = normalizeHex(cert.serialNumber);
    const record = this.store.getCertificate(serial, this.#aki);
    if (!record)
      throw newAuthenticationErr(
        E.CertNotFound,
        `Certificate not found with AKI '${this.#aki}' and serial '${serial}'`,
      );
    if (record.status === 'revoked')
      throw newAuthenticationErr(E.CertRevoked, 'The certificate in the authorization header is a revoked certificate');
    const identity = this.store.getIdentity(record.id);
    if (!identity) throw newAuthenticationErr(E.GettingUser, 'Failed to get user');
    return { identity, cert: record };
  }

  /** `ca.VerifyCertificate`: issued by this CA and inside its validity period. */
  #verifyIssued(cert: NodeX509): void {
    if (!cert.checkIssued(this.#caCert) || !cert.verify(this.#caCert.publicKey as KeyObject)) {
      throw newAuthenticationErr(
        E.UntrustedCertificate,
        'Untrusted certificate: Failed to verify certificate: x509: certificate signed by unknown authority',
      );
    }
    const now = Date.now();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) {
      throw newAuthenticationErr(
        E.UntrustedCertificate,
        'Untrusted certificate: Failed to verify certificate: x509: certificate has expired or is not yet valid',
      );
    }
  }

  /** `register`: returns the enrollment secret. */
  async register(
    caller: Caller,
    req: RegistrationRequest,
    rawBody: string,
  ): Promise<{ secret: string; location: string }> {
    const registrar = caller.identity;
    const name = str(req.id);
    if (name.length === 0 || name.length > REGISTER_LIMITS.maxIdLength) {
      throw badBody(`id must be 1 to ${REGISTER_LIMITS.maxIdLength} characters`, rawBody);
    }
    const attrs = this.#readAttributes(req.attrs, rawBody);
    // normalizeRegistrationRequest
    let affiliation = str(req.affiliation);
    if (affiliation === '') affiliation = registrar.affiliation;
    else if (affiliation === '.') affiliation = '';
    const type = str(req.type) === '' ? registrar.type : str(req.type);
    // canRegister: every refusal is reported as one authorization failure, the reason kept in the local text.
    const refusal =
      checkCanActOnType(registrar.name, registrar.attrs, type) ??
      this.#checkAffiliation(registrar, affiliation) ??
      checkCanRegisterAttributes(attrs, registrar.attrs);
    if (refusal) {
      throw newAuthorizationErr(E.RegistrarRegAuth, `Registration of '${name}' failed: ${refusal}`);
    }
    const maxEnrollments = typeof req.max_enrollments === 'number' ? req.max_enrollments : 0;
    if (!Number.isInteger(maxEnrollments) || maxEnrollments < -1) {
      throw newHttpErr(
        400,
        E.InvalidMaxEnroll,
        `Registration of '${name}' failed: Max enrollment in registration request may not be less than -1, but was ${maxEnrollments}`,
      );
    }
    const secret = str(req.secret) === '' ? randomSecret() : str(req.secret);
    if (secret.length > REGISTER_LIMITS.maxSecretLength) throw badBody('secret is too long', rawBody);
    // registerUserID: the enrollment id, type and affiliation always become ecert attributes.
    attrs.push(
      { name: 'hf.EnrollmentID', value: name, ecert: true },
      { name: 'hf.Type', value: type, ecert: true },
      { name: 'hf.Affiliation', value: affiliation, ecert: true },
    );
    const duplicate = () => newHttpErr(409, E.DupIdentityReg, `Identity '${name}' is already registered`);
    if (this.store.getIdentity(name)) throw duplicate();
    const inserted = await this.store.insertIdentity({
      name,
      secretHash: await hashSecret(secret),
      type,
      affiliation,
      attrs,
      maxEnrollments: maxEnrollments === 0 ? -1 : maxEnrollments,
      state: 0,
      incorrectPasswordAttempts: 0,
    });
    if (!inserted) throw duplicate();
    return { secret, location: `/api/v1/identities/${encodeURIComponent(name)}` };
  }

  #readAttributes(value: unknown, rawBody: string): CaAttribute[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value))
      throw badBody(
        'json: cannot unmarshal attrs into Go struct field RegistrationRequestNet.attrs of type []api.Attribute',
        rawBody,
      );
    if (value.length > REGISTER_LIMITS.maxAttributes)
      throw badBody(`at most ${REGISTER_LIMITS.maxAttributes} attributes`, rawBody);
    return value.map((a: unknown) => {
      const o = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
      const name = str(o.name);
      const v = str(o.value);
      if (name.length > REGISTER_LIMITS.maxAttrNameLength || v.length > REGISTER_LIMITS.maxAttrValueLength)
        throw badBody('attribute too long', rawBody);
      return { name, value: v, ...(o.ecert === true ? { ecert: true } : {}) };
    });
  }

  /**
   * `validateAffiliation`: the caller's affiliation must contain the requested one, and the requested one
   * must exist. The dev CA has only the root affiliation ("") — fabric-ca's default tree (org1.department1, ...)
   * means nothing for this network.
   */
  #checkAffiliation(caller: CaIdentity, affiliation: string): string | undefined {
    const callerAff = caller.affiliation;
    if (callerAff !== '' && affiliation !== callerAff && !affiliation.startsWith(`${callerAff}.`)) {
      return `Caller does not have authority to act on affiliation '${affiliation}'`;
    }
    if (affiliation !== '')
      return `Failed getting affiliation '${affiliation}': Failed to get Affiliation: sql: no rows in result set`;
    return undefined;
  }

  /** `enroll` (after basic authentication) and `reenroll` (after token authentication). */
  async enroll(
    caller: Caller,
    req: EnrollmentRequest,
    isReenroll: boolean,
  ): Promise<{ Cert: string; ServerInfo: CaInfo }> {
    const id = caller.identity.name;
    const csr = await this.#readCsr(id, req, caller.identity);
    const attrs = this.#attributesFor(caller.identity, req.attr_reqs);
    const caNotBefore = new Date(this.#caCert.validFrom);
    const caNotAfter = new Date(this.#caCert.validTo);
    // handleEnroll: NotAfter is now (rounded to the minute) + the profile's expiry, capped by the CA's own
    // expiry; NotBefore becomes the CA certificate's NotBefore, as fabric-ca 1.5 does.
    let notAfter = new Date(Math.round(Date.now() / 60_000) * 60_000 + this.#options.enrollmentExpiryMs);
    if (notAfter > caNotAfter) notAfter = caNotAfter;
    const serialBytes = randomBytes(20);
    serialBytes[0] = (serialBytes[0] ?? 0) & 0x7f;
    const serial = normalizeHex(serialBytes.toString('hex')) || '0';
    const cert = await signCertificate(this.#signer, {
      publicKey: csr.publicKey,
      subject: this.#subjectFor(csr, caller.identity),
      ...(attrs ? { attrs } : {}),
      serialHex: derSerialHex(serial),
      notBefore: caNotBefore,
      notAfter,
    });
    const pem = cert.toString('pem');
    await this.store.insertCertificate({
      serial,
      aki: this.#aki,
      id,
      notAfter: notAfter.toISOString(),
      status: 'good',
      pem,
    });
    if (!isReenroll) {
      // LoginComplete: one more use of the enrollment secret.
      const identity = caller.identity;
      await this.store.setState(identity.name, identity.state + 1, identity.incorrectPasswordAttempts);
    }
    return { Cert: Buffer.from(`${pem}\n`).toString('base64'), ServerInfo: this.info() };
  }

  /** `processSignRequest`: decode the CSR and apply fabric-ca's checks. */
  async #readCsr(id: string, req: EnrollmentRequest, identity: CaIdentity): Promise<x509.Pkcs10CertificateRequest> {
    const pem = str(req.certificate_request);
    const block = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
    if (!block) throw newHttpErr(400, E.BadCSR, 'CSR Decode failed');
    if (block[1] !== 'CERTIFICATE REQUEST' && block[1] !== 'NEW CERTIFICATE REQUEST') {
      throw newHttpErr(400, E.BadCSR, 'not a certificate or csr');
    }
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(Buffer.from((block[2] ?? '').replace(/\s+/g, ''), 'base64'));
    } catch (err) {
      throw newHttpErr(400, E.BadCSR, `CSR Decode failed: ${(err as Error).message}`);
    }
    const names = csr.subjectName.toJSON();
    const cn = names.flatMap((rdn) => rdn.CN ?? []);
    const subject =
      typeof req.subject === 'object' && req.subject !== null ? (req.subject as { CN?: unknown }) : undefined;
    if ((subject !== undefined && subject.CN !== id) || cn.length !== 1 || cn[0] !== id) {
      throw newHttpErr(403, E.CNInvalidEnroll, 'The CSR subject common name must equal the enrollment ID');
    }
    const bcExt = csr.getExtension('2.5.29.19');
    const bc = bcExt ? new x509.BasicConstraintsExtension(bcExt.rawData) : undefined;
    if (bc?.ca && !attributeIsTrue(identity.attrs, 'hf.IntermediateCA')) {
      throw newAuthorizationErr(
        E.InvokerMissAttr,
        `Enrolled failed: Attribute 'hf.IntermediateCA' is not set to true for identity '${id}'`,
      );
    }
    for (const rdn of names) {
      for (const [type, values] of Object.entries(rdn)) {
        const limit = CSR_FIELD_LIMITS[type];
        const long = limit === undefined ? undefined : values.find((v) => v.length > limit);
        if (long !== undefined)
          throw newHttpErr(
            400,
            E.InputValidCSR,
            `CSR input validation failed: The ${type} '${long}' exceeds the maximum character limit of ${limit}`,
          );
      }
    }
    // A dev CA restriction (fabric-ca would also sign RSA keys): Fabric identities here are ECDSA.
    const alg = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
    if (alg.name !== 'ECDSA' || (alg.namedCurve !== 'P-256' && alg.namedCurve !== 'P-384')) {
      throw newHttpErr(
        400,
        E.InputValidCSR,
        'CSR input validation failed: the public key must be ECDSA on P-256 or P-384',
      );
    }
    if (!(await csr.verify())) throw newHttpErr(400, E.BadCSR, 'CSR signature verification failed');
    return csr;
  }

  /** `setRequestOUs`: the CSR's names without OU and CN, then OU = type, the affiliation path, CN = id. */
  #subjectFor(csr: x509.Pkcs10CertificateRequest, identity: CaIdentity): x509.JsonName {
    const kept = csr.subjectName
      .toJSON()
      .map((rdn) => Object.fromEntries(Object.entries(rdn).filter(([k]) => k !== 'OU' && k !== 'CN')))
      .filter((rdn) => Object.keys(rdn).length > 0);
    const affiliation = identity.affiliation === '' ? [] : identity.affiliation.split('.');
    return [...kept, { OU: [identity.type] }, ...affiliation.map((a) => ({ OU: [a] })), { CN: [identity.name] }];
  }

  /**
   * `GetAttrExtension`: without `attr_reqs`, the identity's ecert attributes; with them, each requested
   * attribute it has (a missing one fails unless optional). Keys are sorted as Go's json.Marshal sorts a map.
   */
  #attributesFor(identity: CaIdentity, attrReqs: unknown): Record<string, string> | undefined {
    let requests: { name: string; optional: boolean }[];
    if (attrReqs === undefined || attrReqs === null) {
      requests = identity.attrs.filter((a) => a.ecert).map((a) => ({ name: a.name, optional: true }));
      if (requests.length === 0) return undefined;
    } else if (Array.isArray(attrReqs)) {
      requests = attrReqs.slice(0, REGISTER_LIMITS.maxAttributes).map((r: unknown) => {
        const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
        return { name: str(o.name), optional: o.optional === true };
      });
    } else {
      throw newHttpErr(400, E.BadReqBody, 'Invalid request body: attr_reqs must be an array');
    }
    const found: Record<string, string> = {};
    const missing: string[] = [];
    for (const r of requests) {
      const a = identity.attrs.find((x) => x.name === r.name);
      if (a) found[r.name] = a.value;
      else if (!r.optional) missing.push(r.name);
    }
    if (missing.length > 0) {
      throw new Error(
        `Failed to find requested attributes: The following required attributes are missing: [${missing.join(' ')}]`,
      );
    }
    return Object.fromEntries(
      Object.keys(found)
        .sort()
        .map((k) => [k, found[k] as string]),
    );
  }

  /** `revoke`. */
  async revoke(
    caller: Caller,
    req: RevocationRequest,
  ): Promise<{ RevokedCerts: { Serial: string; AKI: string }[] | null; CRL: string }> {
    const callerName = caller.identity.name;
    const serial = normalizeHex(str(req.serial));
    const aki = normalizeHex(str(req.aki));
    const name = str(req.id);
    const reason = REVOCATION_REASONS[str(req.reason).toLowerCase()] ?? 0;
    const now = new Date();
    const checkRevoker = (owner: string) => {
      if (callerName !== owner && !attributeIsTrue(caller.identity.attrs, 'hf.Revoker')) {
        throw newAuthorizationErr(E.NotRevoker, 'Caller does not have authority to revoke');
      }
    };
    let revoked: { Serial: string; AKI: string }[] | null = null;
    if (serial !== '' && aki !== '') {
      const cert = this.store.getCertificate(serial, aki);
      if (!cert)
        throw newHttpErr(
          404,
          E.RevCertNotFound,
          `Certificate with serial ${serial} and AKI ${aki} was not found: sql: no rows in result set`,
        );
      checkRevoker(cert.id);
      if (cert.status === 'revoked')
        throw newHttpErr(
          404,
          E.CertAlreadyRevoked,
          `Certificate with serial ${serial} and AKI ${aki} was already revoked`,
        );
      if (name !== '' && name !== cert.id)
        throw newHttpErr(
          400,
          E.CertWrongOwner,
          `Certificate with serial ${serial} and AKI ${aki} is not owned by ${name}`,
        );
      const owner = this.store.getIdentity(cert.id);
      if (!owner)
        throw newHttpErr(
          404,
          E.RevokeIDNotFound,
          `Identity ${cert.id} was not found: Failed to get User: sql: no rows in result set`,
        );
      if (!(caller.cert && caller.cert.serial === serial && caller.cert.aki === aki))
        this.#checkCanManage(caller.identity, owner);
      await this.store.revokeCertificate(serial, aki, reason, now);
      revoked = [{ Serial: serial, AKI: aki }];
    } else if (name !== '') {
      checkRevoker(name);
      const owner = this.store.getIdentity(name);
      if (!owner)
        throw newHttpErr(
          404,
          E.RevokeIDNotFound,
          `Identity ${name} was not found: Failed to get User: sql: no rows in result set`,
        );
      if (callerName !== owner.name) this.#checkCanManage(caller.identity, owner);
      const certs = await this.store.revokeIdentity(name, reason, now);
      if (certs.length > 0) revoked = certs.map((c) => ({ Serial: c.serial, AKI: c.aki }));
    } else {
      throw newHttpErr(400, E.MissingRevokeArgs, 'Either Name or Serial and AKI are required for a revoke request');
    }
    const crl = req.gencrl === true && revoked !== null ? await this.crlPem({}) : undefined;
    return { RevokedCerts: revoked, CRL: crl ? Buffer.from(crl).toString('base64') : '' };
  }

  /** `CanManageUser`: the caller's affiliation contains the target's and it may act on the target's type. */
  #checkCanManage(caller: CaIdentity, target: CaIdentity): void {
    const aff = caller.affiliation;
    if (aff !== '' && target.affiliation !== aff && !target.affiliation.startsWith(`${aff}.`)) {
      throw newAuthorizationErr(
        E.CallerNotAffiliated,
        `Caller does not have authority to act on affiliation '${target.affiliation}'`,
      );
    }
    const refusal = checkCanActOnType(caller.name, caller.attrs, target.type);
    if (refusal)
      throw newAuthorizationErr(E.CallerNotAffiliated, `Failed to verify if user can act on type: ${refusal}`);
  }

  /** `gencrl`, after checking the caller has `hf.GenCRL`. */
  async genCrl(caller: Caller, req: GenCrlRequest, rawBody: string): Promise<{ CRL: string }> {
    if (!attributeIsTrue(caller.identity.attrs, 'hf.GenCRL')) {
      throw newAuthorizationErr(
        E.NoGenCRLAuth,
        `The identity '${caller.identity.name}' does not have authority to generate a CRL`,
      );
    }
    const filter = {
      revokedAfter: goTime(req.revokedafter, 'revokedafter', rawBody),
      revokedBefore: goTime(req.revokedbefore, 'revokedbefore', rawBody),
      expireAfter: goTime(req.expireafter, 'expireafter', rawBody),
      expireBefore: goTime(req.expirebefore, 'expirebefore', rawBody),
    };
    if (filter.revokedBefore && filter.revokedAfter && filter.revokedAfter > filter.revokedBefore) {
      throw newHttpErr(
        400,
        E.InvalidRevokedAfter,
        "Invalid 'revokedafter' value. It must not be a timestamp greater than 'revokedbefore'",
      );
    }
    if (filter.expireBefore && filter.expireAfter && filter.expireAfter > filter.expireBefore) {
      throw newHttpErr(
        400,
        E.InvalidExpiredAfter,
        "Invalid 'expireafter' value. It must not be a timestamp greater than 'expirebefore'",
      );
    }
    return { CRL: Buffer.from(await this.crlPem(filter)).toString('base64') };
  }

  /**
   * A PEM X.509 v2 CRL (`-----BEGIN X509 CRL-----`) signed by the CA, listing its revoked, unexpired
   * certificates with their revocation times, valid for `crlExpiryMs`.
   */
  async crlPem(filter: {
    revokedAfter?: Date;
    revokedBefore?: Date;
    expireAfter?: Date;
    expireBefore?: Date;
  }): Promise<string> {
    const now = new Date();
    const entries = this.store.revokedCertificates(now).filter((c) => {
      const revokedAt = new Date(c.revokedAt ?? 0);
      const notAfter = new Date(c.notAfter);
      return (
        (!filter.revokedAfter || revokedAt >= filter.revokedAfter) &&
        (!filter.revokedBefore || revokedAt <= filter.revokedBefore) &&
        (!filter.expireAfter || notAfter >= filter.expireAfter) &&
        (!filter.expireBefore || notAfter <= filter.expireBefore)
      );
    });
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.#signer.cert.subjectName,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + this.#options.crlExpiryMs),
      signingKey: this.#signer.key,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(this.#signer.cert)],
      entries: entries.map((c) => ({
        serialNumber: derSerialHex(c.serial),
        revocationDate: new Date(c.revokedAt ?? now),
      })),
    });
    // fabric-ca writes the CRL as a PEM block of type "X509 CRL" (crlPemType), with a final newline.
    return `${x509.PemConverter.encode(crl.rawData, 'X509 CRL')}\n`;
  }
}

/** A stored serial (hex, no leading zeros) as the content of a positive DER INTEGER. */
function derSerialHex(serial: string): string {
  let hex = serial.length % 2 === 1 ? `0${serial}` : serial;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return hex;
}
