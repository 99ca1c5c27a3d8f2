/**
 * The dev CA's database: registered identities, issued certificates and revocations of one CA, kept in memory
 * and made durable in an append-only JSON-lines journal (`<dir>/registry.jsonl`). Each change is one line,
 * written and fdatasync'ed before the request that made it is answered, so a restart (or `kill -9`) keeps every
 * identity, enrollment and revocation that a client saw succeed. A torn last line (a crash mid-write) is cut on
 * open; a damaged earlier line refuses to start, as the block file does.
 */
import { open, mkdir, readFile, truncate, FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** An attribute of an identity, as fabric-ca stores it (`api.Attribute`). */
export interface CaAttribute {
  name: string;
  value: string;
  ecert?: boolean;
}

/** A registered identity (fabric-ca's `users` table). */
export interface CaIdentity {
  name: string;
  /** scrypt hash of the enrollment secret: `scrypt$<salt b64>$<hash b64>`. */
  secretHash: string;
  type: string;
  affiliation: string;
  attrs: CaAttribute[];
  /** -1: unlimited. */
  maxEnrollments: number;
  /** Number of completed enrollments; -1 once the identity is revoked. */
  state: number;
  incorrectPasswordAttempts: number;
}

/** An issued certificate (fabric-ca's `certificates` table). */
export interface CaCertificate {
  /** Lower-case hex, no leading zeros (`util.GetSerialAsHex` trimmed, as fabric-ca compares them). */
  serial: string;
  /** Authority key identifier, lower-case hex, no leading zeros. */
  aki: string;
  /** Enrollment id of the owner. */
  id: string;
  notAfter: string;
  status: 'good' | 'revoked';
  revokedAt?: string;
  reason?: number;
  pem: string;
}

type JournalRecord =
  | { t: 'identity'; identity: CaIdentity }
  | { t: 'state'; name: string; state: number; incorrectPasswordAttempts: number }
  | { t: 'cert'; cert: CaCertificate }
  | { t: 'revoke'; serial: string; aki: string; revokedAt: string; reason: number };

/** Longest journal line read back (an identity with its attributes, or a certificate, is a few KB). */
const MAX_LINE_BYTES = 1024 * 1024;

/** Key of a certificate by serial and AKI. */
function certKey(serial: string, aki: string): string {
  return `${serial}/${aki}`;
}

/** One CA's registry. */
export class CaStore {
  readonly #identities = new Map<string, CaIdentity>();
  readonly #certs = new Map<string, CaCertificate>();
  readonly #certsById = new Map<string, Set<string>>();
  #file: FileHandle | undefined;
  #writes: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Opens (or creates) the registry in `dir`, replaying its journal. */
  static async open(dir: string): Promise<CaStore> {
    await mkdir(dir, { recursive: true });
    const store = new CaStore(join(dir, 'registry.jsonl'));
    if (existsSync(store.path)) {
      const text = await readFile(store.path, 'utf8');
      let offset = 0;
      while (offset < text.length) {
        const end = text.indexOf('\n', offset);
        if (end < 0) {
          // A line without its newline is a write cut short by a crash; it was never acknowledged.
          await truncate(store.path, Buffer.byteLength(text.slice(0, offset)));
          break;
        }
        const line = text.slice(offset, end);
        if (line.length > MAX_LINE_BYTES) throw new Error(`${store.path}: line at ${offset} is too long`);
        let record: JournalRecord;
        try {
          record = JSON.parse(line) as JournalRecord;
        } catch {
          throw new Error(`${store.path}: damaged record at character ${offset}`);
        }
        store.#apply(record);
        offset = end + 1;
      }
    }
    store.#file = await open(store.path, 'a');
    return store;
  }

  #apply(r: JournalRecord): void {
    switch (r.t) {
      case 'identity':
        this.#identities.set(r.identity.name, r.identity);
        break;
      case 'state': {
        const id = this.#identities.get(r.name);
        if (id) {
          id.state = r.state;
          id.incorrectPasswordAttempts = r.incorrectPasswordAttempts;
        }
        break;
      }
      case 'cert': {
        const key = certKey(r.cert.serial, r.cert.aki);
        this.#certs.set(key, r.cert);
        let set = this.#certsById.get(r.cert.id);
        if (!set) this.#certsById.set(r.cert.id, (set = new Set()));
        set.add(key);
        break;
      }
      case 'revoke': {
        const cert = this.#certs.get(certKey(r.serial, r.aki));
        if (cert) {
          cert.status = 'revoked';
          cert.revokedAt = r.revokedAt;
          cert.reason = r.reason;
        }
        break;
      }
    }
  }

  /** Applies `records` in memory now and resolves once they are on disk (fdatasync). */
  #commit(records: JournalRecord[]): Promise<void> {
    for (const r of records) this.#apply(r);
    const bytes = records.map((r) => `${JSON.stringify(r)}\n`).join('');
    const write = this.#writes.then(async () => {
      const file = this.#file;
      if (!file) throw new Error('CA registry is closed');
      await file.write(bytes);
      await file.datasync();
    });
    // A failed write must not wedge the chain for later writes; the caller still sees the failure.
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** The identity named `name`, if registered. */
  getIdentity(name: string): CaIdentity | undefined {
    return this.#identities.get(name);
  }

  /** Number of registered identities. */
  get identityCount(): number {
    return this.#identities.size;
  }

  /**
   * Registers `identity`. Returns false (and writes nothing) when the name is taken; the check and the insert
   * happen in one synchronous step, so two concurrent registrations of one name cannot both succeed.
   */
  async insertIdentity(identity: CaIdentity): Promise<boolean> {
    if (this.#identities.has(identity.name)) return false;
    await this.#commit([{ t: 'identity', identity }]);
    return true;
  }

  /** Records a new enrollment count / revocation state / failed-password counter. */
  async setState(name: string, state: number, incorrectPasswordAttempts: number): Promise<void> {
    await this.#commit([{ t: 'state', name, state, incorrectPasswordAttempts }]);
  }

  /** Records an issued certificate. */
  async insertCertificate(cert: CaCertificate): Promise<void> {
    await this.#commit([{ t: 'cert', cert }]);
  }

  /** The certificate with this serial and AKI. */
  getCertificate(serial: string, aki: string): CaCertificate | undefined {
    return this.#certs.get(certKey(serial, aki));
  }

  /** Revokes one certificate. */
  async revokeCertificate(serial: string, aki: string, reason: number, at: Date): Promise<void> {
    await this.#commit([{ t: 'revoke', serial, aki, reason, revokedAt: at.toISOString() }]);
  }

  /**
   * Revokes an identity (state -1) and every unrevoked certificate it owns, in one journal write.
   * Returns the certificates revoked.
   */
  async revokeIdentity(name: string, reason: number, at: Date): Promise<CaCertificate[]> {
    const id = this.#identities.get(name);
    if (!id) return [];
    const certs = [...(this.#certsById.get(name) ?? [])]
      .map((k) => this.#certs.get(k))
      .filter((c): c is CaCertificate => c !== undefined && c.status === 'good');
    await this.#commit([
      { t: 'state', name, state: -1, incorrectPasswordAttempts: id.incorrectPasswordAttempts },
      ...certs.map(
        (c): JournalRecord => ({ t: 'revoke', serial: c.serial, aki: c.aki, reason, revokedAt: at.toISOString() }),
      ),
    ]);
    return certs;
  }

  /** Revoked certificates that have not expired yet (what a CRL lists), oldest revocation first. */
  revokedCertificates(now: Date): CaCertificate[] {
    return [...this.#certs.values()]
      .filter((c) => c.status === 'revoked' && Date.parse(c.notAfter) > now.getTime())
      .sort((a, b) => (a.revokedAt ?? '').localeCompare(b.revokedAt ?? ''));
  }

  /** Waits for pending writes and closes the journal. */
  async close(): Promise<void> {
    await this.#writes;
    await this.#file?.close();
    this.#file = undefined;
  }
}
