/**
 * The durable local spool (outbox): every batch of reads is appended and fsync'ed here before it is
 * uploaded, and removed only after the gateway acknowledged it. `kill -9` or a power cut at any moment
 * loses nothing that was appended, and a batch re-uploaded after a crash carries the same batch id.
 *
 * On disk, in the spool directory:
 *
 * - `meta.json`: `{ format, version, spoolId }`; the random spool id makes batch ids unique across machines;
 * - `lock`: the pid of the agent using the spool (a lock left by a dead process is taken over);
 * - `outbox-NNNNNNNNNN.log`: segments of records, each `[u32 LE payload length][u32 LE CRC-32][payload]`,
 *   the payload a JSON `{ v, stocktakeId, deviceId, reads }`; a segment rolls at `segmentBytesMax`;
 * - `ack.json`: `{ segment, offset }`, the position of the first record not yet acknowledged, replaced
 *   atomically (write, fsync, rename, fsync directory) after each acknowledgement;
 * - `seen/<stocktakeId>.txt`: what was uploaded for each open session from segments already compacted, so a
 *   restarted agent does not count (or send) an item again;
 * - `rejected.jsonl`: batches the gateway refused for good (with its problem document), kept for an operator.
 *
 * The batch id of a record is `{spoolId}-{segment}-{offset}`: derived from its position only, so a re-upload
 * after a crash reuses it and the gateway's idempotency turns the second upload into a no-op.
 *
 * Crash recovery, on open: a torn tail of the last segment (a record cut short, or the last record failing
 * its CRC, or a zero-filled end) is cut off; damage anywhere else (a bad record followed by more data, a
 * bad record in an earlier segment, an ack beyond the data) refuses to open with SPOOL_CORRUPT rather than
 * guessing. Compaction deletes whole segments once every record in them is acknowledged, a bounded number
 * per acknowledgement, after copying what they uploaded to the seen files (repeatable if interrupted).
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { newAgentError } from '../errors';
import { crc32 } from './crc32';

/** Bytes of the record header: payload length and CRC-32. */
const RECORD_HEADER_BYTES = 8;
/** Largest record payload (a 5,000-read batch of long Digital Links is well under 1 MiB). */
export const RECORD_BYTES_MAX = 4 * 1024 * 1024;
/** Segment size at which a new segment is started. */
export const SEGMENT_BYTES_MAX = 8 * 1024 * 1024;
/** Total spool size; past it appends fail with SPOOL_FULL (the gateway has been away for very long). */
export const SPOOL_BYTES_MAX = 512 * 1024 * 1024;
/** Segments compacted per acknowledgement, so one ack never does unbounded work. */
const COMPACT_SEGMENTS_PER_ACK_MAX = 2;
/** Session seen-files kept; older ones (sessions never closed from this machine) are deleted. */
const SEEN_FILES_MAX = 16;

const SEGMENT_NAME = /^outbox-(\d{10})\.log$/;
const SPOOL_FORMAT = 'scanner-agent-spool';
const SPOOL_VERSION = 1;

/** What a spool record holds. */
export interface BatchPayload {
  readonly v: 1;
  readonly stocktakeId: string;
  readonly deviceId: string;
  /** What was uploaded: SGTIN URNs, Digital Link URIs, Hainan codes. */
  readonly reads: readonly string[];
}

/** Where a record is, and what it is about. */
export interface SpoolRecordRef {
  readonly segment: number;
  readonly offset: number;
  /** Header + payload. */
  readonly bytes: number;
  readonly stocktakeId: string;
  readonly reads: number;
}

/** Sizes, overridable in tests. */
export interface SpoolLimits {
  readonly segmentBytesMax: number;
  readonly spoolBytesMax: number;
}

interface Position {
  readonly segment: number;
  readonly offset: number;
}

interface Segment {
  readonly number: number;
  size: number;
  readonly records: SpoolRecordRef[];
}

function segmentName(n: number): string {
  return `outbox-${String(n).padStart(10, '0')}.log`;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a small file so that after a crash either the old or the new content is there, whole. */
function writeFileAtomic(dir: string, name: string, content: string): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

function appendDurably(path: string, content: string): void {
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Spool directories this process has open (a lock file naming our own pid may be a previous life's). */
const OPEN_IN_THIS_PROCESS = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function corrupt(detail: string, dir: string): Error {
  return newAgentError(
    'SPOOL_CORRUPT',
    detail,
    `the spool at ${dir} is damaged beyond a torn tail; move the directory aside (it holds unacknowledged reads) and start again`,
  );
}

function isBatchPayload(value: unknown): value is BatchPayload {
  const v = value as Partial<BatchPayload> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.v === 1 &&
    typeof v.stocktakeId === 'string' &&
    typeof v.deviceId === 'string' &&
    Array.isArray(v.reads) &&
    v.reads.every((r) => typeof r === 'string')
  );
}

/** The durable outbox. Synchronous I/O: every call returns only once its effect is on disk. */
export class Spool {
  /** Random id of this spool, part of every batch id. */
  readonly spoolId: string;
  private readonly segments: Segment[] = [];
  private acked: Position;
  private readonly limits: SpoolLimits;
  private closed = false;
  /** Bytes cut off as a torn tail when the spool was opened (0 if the last shutdown was clean). */
  readonly tornBytesDropped: number;

  private constructor(
    readonly dir: string,
    limits: Partial<SpoolLimits>,
  ) {
    this.limits = {
      segmentBytesMax: limits.segmentBytesMax ?? SEGMENT_BYTES_MAX,
      spoolBytesMax: limits.spoolBytesMax ?? SPOOL_BYTES_MAX,
    };
    mkdirSync(join(dir, 'seen'), { recursive: true });
    this.lock();
    try {
      this.spoolId = this.loadOrCreateMeta();
      const found = readdirSync(dir)
        .map((name) => SEGMENT_NAME.exec(name))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b);
      this.acked = this.loadAck(found[0] ?? 1);
      let torn = 0;
      for (const n of found) {
        if (n < this.acked.segment) continue; // fully acknowledged: compacted below
        const last = n === found[found.length - 1];
        torn += this.scanSegment(n, last);
      }
      this.tornBytesDropped = torn;
      for (const n of found.filter((n) => n < this.acked.segment)) this.compactSegment(n);
      const lastSegment = this.segments[this.segments.length - 1];
      if (this.acked.segment > (lastSegment?.number ?? this.acked.segment)) {
        // Everything acknowledged and compacted: continue numbering after the ack.
        this.segments.push(this.createSegment(this.acked.segment));
      } else if (lastSegment === undefined) {
        this.segments.push(this.createSegment(this.acked.segment));
      }
      const ackSegment = this.segments.find((s) => s.number === this.acked.segment);
      if (
        ackSegment === undefined ||
        this.acked.offset > ackSegment.size ||
        (this.acked.offset < ackSegment.size && !ackSegment.records.some((r) => r.offset === this.acked.offset))
      ) {
        throw corrupt(`ack position ${this.acked.segment}:${this.acked.offset} is not a record boundary`, dir);
      }
      this.pruneSeenFiles();
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  /**
   * Opens (creating if needed) the spool in `dir`, recovering from a crash.
   *
   * @param dir spool directory
   * @param limits size limits (defaults: {@link SEGMENT_BYTES_MAX}, {@link SPOOL_BYTES_MAX})
   * @throws AgentError SPOOL_LOCKED if a live agent uses it, SPOOL_CORRUPT if it is damaged beyond a torn tail
   */
  static open(dir: string, limits: Partial<SpoolLimits> = {}): Spool {
    return new Spool(resolve(dir), limits);
  }

  /** @returns the batch id of a record: `{spoolId}-{segment}-{offset}` */
  batchId(ref: SpoolRecordRef): string {
    return `${this.spoolId}-${ref.segment}-${ref.offset}`;
  }

  /**
   * Appends one batch durably (write + fsync) before returning.
   *
   * @throws AgentError SPOOL_FULL when the spool would grow past its limit
   */
  append(batch: Omit<BatchPayload, 'v'>): SpoolRecordRef {
    this.assertOpen();
    const payload = Buffer.from(
      JSON.stringify({
        v: 1,
        stocktakeId: batch.stocktakeId,
        deviceId: batch.deviceId,
        reads: batch.reads,
      } satisfies BatchPayload),
    );
    if (payload.length > RECORD_BYTES_MAX)
      throw new Error(`spool record of ${payload.length} bytes exceeds RECORD_BYTES_MAX; batches must be smaller`);
    const recordBytes = RECORD_HEADER_BYTES + payload.length;
    if (this.totalBytes() + recordBytes > this.limits.spoolBytesMax) {
      throw newAgentError(
        'SPOOL_FULL',
        `the spool at ${this.dir} holds ${this.totalBytes()} bytes of unacknowledged reads (limit ${this.limits.spoolBytesMax})`,
        'reconnect the gateway so the spool can drain; reads after this point were not saved and must be scanned again',
      );
    }
    let active = this.activeSegment();
    if (active.size > 0 && active.size + recordBytes > this.limits.segmentBytesMax) {
      active = this.createSegment(active.number + 1);
      this.segments.push(active);
    }
    const record = Buffer.alloc(recordBytes);
    record.writeUInt32LE(payload.length, 0);
    record.writeUInt32LE(crc32(payload), 4);
    payload.copy(record, RECORD_HEADER_BYTES);
    const fd = openSync(join(this.dir, segmentName(active.number)), 'a');
    try {
      for (let written = 0; written < record.length; )
        written += writeSync(fd, record, written, record.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const ref: SpoolRecordRef = {
      segment: active.number,
      offset: active.size,
      bytes: recordBytes,
      stocktakeId: batch.stocktakeId,
      reads: batch.reads.length,
    };
    active.size += recordBytes;
    active.records.push(ref);
    return ref;
  }

  /** @returns the oldest record not yet acknowledged, or undefined if everything is acknowledged */
  nextUnacked(): SpoolRecordRef | undefined {
    for (const segment of this.segments) {
      if (segment.number < this.acked.segment) continue;
      for (const r of segment.records) {
        if (segment.number > this.acked.segment || r.offset >= this.acked.offset) return r;
      }
    }
    return undefined;
  }

  /** @returns the number of unacknowledged records (of one stocktake, if given) */
  pending(stocktakeId?: string): number {
    let n = 0;
    for (const segment of this.segments) {
      for (const r of segment.records) {
        if (this.isAcked(r)) continue;
        if (stocktakeId === undefined || r.stocktakeId === stocktakeId) n++;
      }
    }
    return n;
  }

  /** Reads a record's payload back from disk. */
  read(ref: SpoolRecordRef): BatchPayload {
    this.assertOpen();
    const fd = openSync(join(this.dir, segmentName(ref.segment)), 'r');
    try {
      const buf = Buffer.alloc(ref.bytes);
      for (let got = 0; got < ref.bytes; ) {
        const n = readSync(fd, buf, got, ref.bytes - got, ref.offset + got);
        if (n === 0)
          throw corrupt(`record ${ref.segment}:${ref.offset} is shorter on disk than when it was written`, this.dir);
        got += n;
      }
      return parsePayload(buf.subarray(RECORD_HEADER_BYTES), `${ref.segment}:${ref.offset}`, this.dir);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Records durably that the gateway acknowledged `ref` (which must be the oldest unacknowledged record),
   * then compacts fully acknowledged segments.
   */
  ack(ref: SpoolRecordRef): void {
    this.assertOpen();
    const next = this.nextUnacked();
    if (next === undefined || next.segment !== ref.segment || next.offset !== ref.offset) {
      throw new Error(
        `ack out of order: ${ref.segment}:${ref.offset}, expected ${next ? `${next.segment}:${next.offset}` : 'nothing'}`,
      );
    }
    let position: Position = { segment: ref.segment, offset: ref.offset + ref.bytes };
    const segment = this.segments.find((s) => s.number === ref.segment);
    const later = this.segments.find((s) => s.number > ref.segment);
    if (segment !== undefined && position.offset === segment.size && later !== undefined)
      position = { segment: later.number, offset: 0 };
    writeFileAtomic(this.dir, 'ack.json', JSON.stringify(position));
    this.acked = position;
    for (const old of this.segments
      .filter((s) => s.number < this.acked.segment)
      .slice(0, COMPACT_SEGMENTS_PER_ACK_MAX)) {
      this.compactSegment(old.number);
    }
  }

  /**
   * Moves a batch the gateway refused for good to `rejected.jsonl` (with the gateway's problem document),
   * then acknowledges it, so one bad batch does not block the reads behind it.
   */
  reject(ref: SpoolRecordRef, problem: unknown): void {
    const payload = this.read(ref);
    appendDurably(
      join(this.dir, 'rejected.jsonl'),
      `${JSON.stringify({ batchId: this.batchId(ref), rejectedAt: new Date().toISOString(), problem, batch: payload })}\n`,
    );
    this.ack(ref);
  }

  /**
   * Everything already uploaded or waiting in this spool for one stocktake: from its seen file (compacted
   * segments) and from every record still in a segment.
   */
  uploadsOf(stocktakeId: string): string[] {
    this.assertOpen();
    const uploads: string[] = [];
    const seenPath = this.seenPath(stocktakeId);
    if (existsSync(seenPath)) {
      for (const line of readFileSync(seenPath, 'utf8').split('\n')) if (line.length > 0) uploads.push(line);
    }
    for (const segment of this.segments) {
      for (const r of segment.records) if (r.stocktakeId === stocktakeId) uploads.push(...this.read(r).reads);
    }
    return uploads;
  }

  /** Forgets a closed session's seen file (its records, if any remain, are still uploaded). */
  forgetSession(stocktakeId: string): void {
    const path = this.seenPath(stocktakeId);
    if (existsSync(path)) unlinkSync(path);
  }

  /** Releases the lock. The spool must not be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unlock();
  }

  /** @returns bytes held in segments */
  totalBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  private isAcked(r: SpoolRecordRef): boolean {
    return r.segment < this.acked.segment || (r.segment === this.acked.segment && r.offset < this.acked.offset);
  }

  private activeSegment(): Segment {
    const last = this.segments[this.segments.length - 1];
    if (last === undefined) throw new Error('spool has no segment');
    return last;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('spool is closed');
  }

  private seenPath(stocktakeId: string): string {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(stocktakeId))
      throw new Error(`stocktake id ${JSON.stringify(stocktakeId)} is not safe as a file name`);
    return join(this.dir, 'seen', `${stocktakeId}.txt`);
  }

  private lock(): void {
    if (OPEN_IN_THIS_PROCESS.has(this.dir)) {
      throw newAgentError(
        'SPOOL_LOCKED',
        `the spool at ${this.dir} is already open in this process`,
        'open each spool once',
      );
    }
    const path = join(this.dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        OPEN_IN_THIS_PROCESS.add(this.dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(path, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
          throw newAgentError(
            'SPOOL_LOCKED',
            `another agent (pid ${pid}) is using the spool at ${this.dir}`,
            'stop that agent, or give this one its own --spool-dir',
          );
        }
        unlinkSync(path); // left by a process that died (kill -9, power cut)
      }
    }
    throw newAgentError(
      'SPOOL_LOCKED',
      `could not lock the spool at ${this.dir}`,
      'check that no other agent is starting on the same spool',
    );
  }

  private unlock(): void {
    OPEN_IN_THIS_PROCESS.delete(this.dir);
    try {
      const path = join(this.dir, 'lock');
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  }

  private loadOrCreateMeta(): string {
    const path = join(this.dir, 'meta.json');
    if (existsSync(path)) {
      const meta = JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown; version?: unknown; spoolId?: unknown };
      if (
        meta.format !== SPOOL_FORMAT ||
        meta.version !== SPOOL_VERSION ||
        typeof meta.spoolId !== 'string' ||
        !/^[0-9a-f]{16}$/.test(meta.spoolId)
      ) {
        throw corrupt('meta.json is not a scanner-agent spool v1', this.dir);
      }
      return meta.spoolId;
    }
    const spoolId = randomBytes(8).toString('hex');
    writeFileAtomic(this.dir, 'meta.json', JSON.stringify({ format: SPOOL_FORMAT, version: SPOOL_VERSION, spoolId }));
    return spoolId;
  }

  private loadAck(firstSegment: number): Position {
    const path = join(this.dir, 'ack.json');
    if (!existsSync(path)) return { segment: firstSegment, offset: 0 };
    const ack = JSON.parse(readFileSync(path, 'utf8')) as Partial<Position>;
    if (
      !Number.isSafeInteger(ack.segment) ||
      !Number.isSafeInteger(ack.offset) ||
      (ack.segment ?? 0) < 1 ||
      (ack.offset ?? -1) < 0
    ) {
      throw corrupt('ack.json is not a valid position', this.dir);
    }
    return { segment: ack.segment ?? 1, offset: ack.offset ?? 0 };
  }

  private createSegment(n: number): Segment {
    const fd = openSync(join(this.dir, segmentName(n)), 'a');
    closeSync(fd);
    fsyncDir(this.dir);
    return { number: n, size: 0, records: [] };
  }

  /** Indexes a segment's records; cuts a torn tail off the last one. @returns bytes cut */
  private scanSegment(n: number, isLast: boolean): number {
    const path = join(this.dir, segmentName(n));
    const data = readFileSync(path);
    const segment: Segment = { number: n, size: 0, records: [] };
    let offset = 0;
    let torn = false;
    while (offset < data.length) {
      const rest = data.length - offset;
      if (rest < RECORD_HEADER_BYTES) {
        torn = true;
        break;
      }
      const length = data.readUInt32LE(offset);
      if (length === 0 || length > RECORD_BYTES_MAX) {
        if (isLast && data.subarray(offset).every((b) => b === 0)) {
          torn = true; // the file system extended the file with zeros before the crash
          break;
        }
        throw corrupt(`segment ${n} has a bad record header at offset ${offset}`, this.dir);
      }
      const end = offset + RECORD_HEADER_BYTES + length;
      if (end > data.length) {
        torn = true; // cut short while being written
        break;
      }
      const payload = data.subarray(offset + RECORD_HEADER_BYTES, end);
      if (crc32(payload) !== data.readUInt32LE(offset + 4)) {
        if (end === data.length) {
          torn = true; // the last record did not reach the disk whole
          break;
        }
        throw corrupt(`segment ${n} has a record failing its CRC at offset ${offset}, followed by more data`, this.dir);
      }
      const batch = parsePayload(payload, `${n}:${offset}`, this.dir);
      segment.records.push({
        segment: n,
        offset,
        bytes: end - offset,
        stocktakeId: batch.stocktakeId,
        reads: batch.reads.length,
      });
      offset = end;
    }
    if (torn && !isLast) throw corrupt(`segment ${n} ends with a partial record but is not the last segment`, this.dir);
    const dropped = data.length - offset;
    if (dropped > 0) {
      truncateSync(path, offset);
      const fd = openSync(path, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    segment.size = offset;
    this.segments.push(segment);
    return dropped;
  }

  /** Copies a fully acknowledged segment's uploads to the seen files, then deletes it (repeatable). */
  private compactSegment(n: number): void {
    const path = join(this.dir, segmentName(n));
    if (existsSync(path)) {
      const bySession = new Map<string, string[]>();
      const data = readFileSync(path);
      for (let offset = 0; offset + RECORD_HEADER_BYTES <= data.length; ) {
        const length = data.readUInt32LE(offset);
        const end = offset + RECORD_HEADER_BYTES + length;
        if (length === 0 || end > data.length) break;
        const batch = parsePayload(data.subarray(offset + RECORD_HEADER_BYTES, end), `${n}:${offset}`, this.dir);
        const list = bySession.get(batch.stocktakeId) ?? [];
        list.push(...batch.reads);
        bySession.set(batch.stocktakeId, list);
        offset = end;
      }
      for (const [stocktakeId, reads] of Array.from(bySession)) {
        if (reads.length > 0) appendDurably(this.seenPath(stocktakeId), `${reads.join('\n')}\n`);
      }
      unlinkSync(path);
      fsyncDir(this.dir);
    }
    const index = this.segments.findIndex((s) => s.number === n);
    if (index !== -1) this.segments.splice(index, 1);
  }

  private pruneSeenFiles(): void {
    const dir = join(this.dir, 'seen');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => ({ f, mtimeMs: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { f } of files.slice(SEEN_FILES_MAX)) unlinkSync(join(dir, f));
  }
}

function parsePayload(payload: Buffer, where: string, dir: string): BatchPayload {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw corrupt(`record ${where} passes its CRC but is not JSON`, dir);
  }
  if (!isBatchPayload(value)) throw corrupt(`record ${where} is not a batch`, dir);
  return value;
}
