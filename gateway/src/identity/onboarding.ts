/**
 * Onboarding issues an enterprise its X.509 identity with its organisation's Fabric CA: register (attributes `role`
 * and `enterpriseId` as ecert attributes: what the chaincode's access rules read through `ctx.clientIdentity`), then
 * enroll with a CSR — for a key the gateway makes (sealed by the key vault), or for the enterprise's own key (its
 * CSR; only the certificate is kept, the identity is `external`).
 *
 * It stores nothing: the caller stores the result in the same database transaction as the enterprise row, so a CA
 * that is unreachable leaves nothing behind (CA_UNAVAILABLE, retryable). A retry never duplicates: the enrollment id
 * is the enterprise id and the enrollment secret is derived from the key-encryption key (no secret has to be kept
 * between attempts), so "already registered" on a retry is success and the retry enrolls again with the same secret.
 * A certificate a failed attempt got is never used (its key was only in memory) and expires on its own.
 */
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { newProblem, type ProblemError } from '../errors';
import { readFabricCaAttributes } from '../ledger/fabric-ca-attributes';
import type { CaDirectory, CaEntry } from './ca-directory';
import { checkCsr, newKeyAndCsr } from './enrollment-csr';
import { newPemSigningIdentity, type CaSigningIdentity, type Enrollment } from './fabric-ca-client';
import { FabricCaError, FabricCaErrorCode } from './fabric-ca-errors';
import type { NewIdentity } from './identity-store';
import type { KeyVault } from './key-vault';

/** Certificate attribute names, as the chaincode reads them (chaincode/src/caller.ts). */
export const ROLE_ATTRIBUTE = 'role';
export const ENTERPRISE_ID_ATTRIBUTE = 'enterpriseId';

/** Retry-After, in seconds, for an unreachable CA. */
export const CA_RETRY_AFTER_S = 5;

/** What onboarding needs to know about the enterprise. */
export interface EnterpriseToOnboard {
  readonly id: string;
  readonly mspId: string;
  readonly roles: readonly ('operator' | 'enterprise')[];
}

/** Issues identities. */
export interface IdentityOnboarding {
  /** Whether the gateway has a CA for `mspId`. */
  servesMsp(mspId: string): boolean;
  /**
   * Register and enroll the enterprise's identity (nothing stored).
   *
   * @param csrPem - The enterprise's CSR when it keeps its key (common name = the enrollment id).
   * @param options - `enrollmentId`: another enrollment id than the enterprise id, for a re-issue after a revocation
   *   (Fabric CA never enrolls a revoked identity again: see {@link nextEnrollmentId}).
   * @throws ProblemError UNKNOWN_MSP, CSR_REJECTED, CA_UNAVAILABLE (Retry-After), CA_REGISTRAR_NOT_AUTHORIZED,
   *   CA_IDENTITY_CONFLICT, CA_FAILURE.
   */
  issue(enterprise: EnterpriseToOnboard, csrPem?: string, options?: { enrollmentId?: string }): Promise<NewIdentity>;
  /**
   * Renew a managed identity before it expires: reenroll signed by its current certificate with a new key; when
   * that certificate can no longer authenticate (expired), enroll again with the derived secret.
   */
  renew(identity: {
    enrollmentId: string;
    mspId: string;
    caName: string;
    certPem: string;
    keyPem: Buffer;
    identityId: string;
  }): Promise<{
    certPem: string;
    certSerial: string;
    notAfter: Date;
    sealedKey: NonNullable<NewIdentity['sealedKey']>;
  }>;
}

/** The `role` attribute an enterprise's certificate carries (the chaincode treats only `customs` specially). */
export function roleAttributeFor(roles: readonly string[]): string {
  return roles.includes('enterprise') ? 'enterprise' : 'operator';
}

/** The problem for a CA failure during onboarding or renewal. */
export function problemFromCaError(
  err: FabricCaError,
  mspId: string,
  stage: 'registrar' | 'register' | 'enroll',
): ProblemError {
  const options = { cause: err, expose: true };
  switch (err.code) {
    case FabricCaErrorCode.unavailable:
      return newProblem(
        'CA_UNAVAILABLE',
        `the certificate authority of ${mspId} is unreachable; nothing was stored, retry later`,
        {
          ...options,
          headers: { 'retry-after': String(CA_RETRY_AFTER_S) },
        },
      );
    case FabricCaErrorCode.csrRejected:
      return newProblem('CSR_REJECTED', err.message, { cause: err });
    case FabricCaErrorCode.notAuthorized:
      return newProblem(
        'CA_REGISTRAR_NOT_AUTHORIZED',
        `the certificate authority of ${mspId} refused the gateway's registrar: it may not register clients with the attributes role and enterpriseId (Fabric CA code ${err.caCode ?? '?'})`,
        options,
      );
    case FabricCaErrorCode.authenticationFailed:
    case FabricCaErrorCode.identityLocked:
      if (stage === 'registrar') {
        return newProblem(
          'CA_REGISTRAR_NOT_AUTHORIZED',
          `the certificate authority of ${mspId} refused the registrar's enrollment id or secret (Fabric CA code ${err.caCode ?? '?'})`,
          options,
        );
      }
      return newProblem(
        'CA_IDENTITY_CONFLICT',
        `the certificate authority of ${mspId} already has this enrollment id with another secret (Fabric CA code ${err.caCode ?? '?'}); its administrator must remove or reset it`,
        options,
      );
    default:
      return newProblem(
        'CA_FAILURE',
        `the certificate authority of ${mspId} failed (${err.code}${err.caCode === undefined ? '' : `, Fabric CA code ${err.caCode}`})`,
        options,
      );
  }
}

/** Most re-issues of one enterprise (enrollment ids `<id>.1` .. `<id>.999`): a bound on the name, not a policy. */
export const MAX_REISSUES = 999;

/**
 * The enrollment id of an enterprise's next identity after its current one (`current`) was revoked: `<id>.1` after
 * `<id>`, `<id>.<n+1>` after `<id>.<n>`. Fabric CA revokes an identity for good (state -1: it can neither enroll nor
 * reenroll, and fabric-ca-server has no request that restores it), so a reinstated enterprise gets a new enrollment id
 * with the same attributes; the chaincode reads the `enterpriseId` attribute, never the enrollment id.
 *
 * @throws RangeError when `current` is not one of the enterprise's enrollment ids, or past {@link MAX_REISSUES}.
 */
export function nextEnrollmentId(enterpriseId: string, current: string): string {
  if (current === enterpriseId) return `${enterpriseId}.1`;
  const n = current.startsWith(`${enterpriseId}.`) ? Number(current.slice(enterpriseId.length + 1)) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n >= MAX_REISSUES)
    throw new RangeError(`cannot re-issue after enrollment id ${current} of enterprise ${enterpriseId}`);
  return `${enterpriseId}.${n + 1}`;
}

/** Most KEK generations tried for a derived secret (each wrong secret counts toward the CA's lock-out of 10). */
const MAX_SECRET_GENERATIONS = 3;

/**
 * Onboarding over the CA directory and the key vault.
 *
 * @param options - CAs per MSP, the vault.
 */
export function newIdentityOnboarding(options: { cas: CaDirectory; vault: KeyVault }): IdentityOnboarding {
  const { cas, vault } = options;

  const caOf = (mspId: string): CaEntry => {
    const ca = cas.forMsp(mspId);
    if (!ca) {
      throw newProblem(
        'UNKNOWN_MSP',
        `this gateway has no certificate authority for MSP ${mspId} (it has: ${cas.mspIds().join(', ') || 'none'})`,
      );
    }
    return ca;
  };
  const secretLabel = (ca: CaEntry, enrollmentId: string) =>
    `${ca.settings.mspId}\n${ca.settings.caName}\n${enrollmentId}`;
  const caCall = async <T>(
    mspId: string,
    stage: 'registrar' | 'register' | 'enroll',
    call: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await call();
    } catch (err: unknown) {
      throw err instanceof FabricCaError ? problemFromCaError(err, mspId, stage) : err;
    }
  };

  /** Register with the derived secret; "already registered" (a retry, or a crash after register) is success. */
  const register = async (
    ca: CaEntry,
    enterprise: EnterpriseToOnboard,
    enrollmentId: string,
  ): Promise<'registered' | 'existing'> => {
    for (let attempt = 1; ; attempt++) {
      const registrar: CaSigningIdentity = await caCall(enterprise.mspId, 'registrar', () => ca.registrar());
      try {
        await ca.client.register(registrar, {
          enrollmentId,
          type: 'client',
          secret: vault.deriveSecret(secretLabel(ca, enrollmentId)) as string,
          attrs: [
            { name: ROLE_ATTRIBUTE, value: roleAttributeFor(enterprise.roles), ecert: true },
            { name: ENTERPRISE_ID_ATTRIBUTE, value: enterprise.id, ecert: true },
          ],
        });
        return 'registered';
      } catch (err: unknown) {
        if (err instanceof FabricCaError && err.code === FabricCaErrorCode.alreadyRegistered) return 'existing';
        // The registrar's own certificate no longer authenticates (expired, revoked): enroll it again, once.
        if (err instanceof FabricCaError && err.code === FabricCaErrorCode.authenticationFailed && attempt === 1) {
          ca.forgetRegistrar();
          continue;
        }
        throw err instanceof FabricCaError ? problemFromCaError(err, enterprise.mspId, 'register') : err;
      }
    }
  };

  /** Enroll with the derived secret of the current KEK, or of older ones when the identity was registered before a rotation. */
  const enroll = async (
    ca: CaEntry,
    enrollmentId: string,
    csrPem: string,
    generations: number,
  ): Promise<Enrollment> => {
    let last: unknown;
    for (let generation = 0; generation < Math.min(generations, MAX_SECRET_GENERATIONS); generation++) {
      const secret = vault.deriveSecret(secretLabel(ca, enrollmentId), generation);
      if (secret === undefined) break;
      try {
        return await ca.client.enroll({ enrollmentId, secret, csrPem });
      } catch (err: unknown) {
        last = err;
        if (!(err instanceof FabricCaError && err.code === FabricCaErrorCode.authenticationFailed)) break;
      }
    }
    throw last instanceof FabricCaError ? problemFromCaError(last, ca.settings.mspId, 'enroll') : last;
  };

  const describe = (certPem: string) => {
    const cert = new X509Certificate(certPem);
    return { certSerial: cert.serialNumber.toLowerCase(), notAfter: new Date(cert.validTo) };
  };

  return {
    servesMsp: (mspId) => cas.forMsp(mspId) !== undefined,

    async issue(enterprise, csrPem, options = {}) {
      const ca = caOf(enterprise.mspId);
      const enrollmentId = options.enrollmentId ?? enterprise.id;
      if (csrPem !== undefined) {
        await caCall(enterprise.mspId, 'enroll', () => checkCsr(csrPem, enrollmentId));
      }
      const registration = await register(ca, enterprise, enrollmentId);
      const own = csrPem === undefined ? await newKeyAndCsr(enrollmentId) : undefined;
      const enrollment = await enroll(
        ca,
        enrollmentId,
        csrPem ?? (own as { csrPem: string }).csrPem,
        registration === 'existing' ? vault.generations : 1,
      );
      // An identity registered earlier by someone else could carry other attributes: never sign as another.
      const attrs = readFabricCaAttributes(enrollment.certPem);
      if (attrs[ENTERPRISE_ID_ATTRIBUTE] !== enterprise.id) {
        throw newProblem(
          'CA_IDENTITY_CONFLICT',
          `the certificate authority of ${enterprise.mspId} has identity ${enrollmentId} registered with other attributes; its administrator must remove it`,
        );
      }
      const id = randomUUID();
      return {
        id,
        enterpriseId: enterprise.id,
        mspId: enterprise.mspId,
        enrollmentId,
        caName: ca.settings.caName,
        kind: own ? 'managed' : 'external',
        certPem: enrollment.certPem,
        ...describe(enrollment.certPem),
        sealedKey: own ? vault.seal(Buffer.from(own.privateKeyPem), id) : undefined,
      };
    },

    async renew(identity) {
      const ca = caOf(identity.mspId);
      const next = await newKeyAndCsr(identity.enrollmentId);
      let enrollment: Enrollment;
      try {
        enrollment = await ca.client.reenroll(
          newPemSigningIdentity(identity.certPem, createPrivateKey(identity.keyPem)),
          {
            enrollmentId: identity.enrollmentId,
            csrPem: next.csrPem,
          },
        );
      } catch (err: unknown) {
        if (!(err instanceof FabricCaError && err.code === FabricCaErrorCode.authenticationFailed)) {
          throw err instanceof FabricCaError ? problemFromCaError(err, identity.mspId, 'enroll') : err;
        }
        // The current certificate cannot authenticate any more (expired): enroll afresh with the derived secret.
        enrollment = await enroll(ca, identity.enrollmentId, next.csrPem, vault.generations);
      }
      return {
        certPem: enrollment.certPem,
        ...describe(enrollment.certPem),
        sealedKey: vault.seal(Buffer.from(next.privateKeyPem), identity.identityId),
      };
    },
  };
}
