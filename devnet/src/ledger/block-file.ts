/**
 * The append-only block file: the single source of truth of the dev peer's ledger. Each record is
 * `[u32 length][u32 crc32][payload]`; a record is durable once `append` resolves (data + fdatasync).
 * On open, records are read in order and a torn tail (short read or CRC mismatch in the LAST record,
 * as left by a crash mid-write) is cut off; anything else that does not check out refuses to open.
 */
import { open, FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const HEADER_BYTES = 8;
/** Largest record accepted; a length above it is treated as garbage (torn or corrupt header). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** Result of opening a block file. */
export interface OpenedBlockFile {
  file: BlockFile;
  records: Buffer[];
  /** Bytes dropped from a torn tail, 0 when the file was clean. */
  truncatedBytes: number;
}

/** Durable append-only record file. */
export class BlockFile {
  private constructor(
    private readonly handle: FileHandle,
    private size: number,
  ) {}

  /** Opens (creating if needed) the file, returns every intact record and cuts a torn tail. */
  static async open(path: string): Promise<OpenedBlockFile> {
    const handle = await open(path, 'a+');
    const data = await handle.readFile();
    const records: Buffer[] = [];
    let offset = 0;
    while (offset < data.length) {
      if (offset + HEADER_BYTES > data.length) break;
      const length = data.readUInt32BE(offset);
      const checksum = data.readUInt32BE(offset + 4);
      const end = offset + HEADER_BYTES + length;
      if (length > MAX_RECORD_BYTES || end > data.length) break;
      const payload = data.subarray(offset + HEADER_BYTES, end);
      if (crc32(payload) >>> 0 !== checksum) {
        if (end === data.length) break; // torn last record
        await handle.close();
        throw new Error(`block file ${path} is corrupt at offset ${offset} (checksum mismatch before the tail)`);
      }
      records.push(payload);
      offset = end;
    }
    const truncatedBytes = data.length - offset;
    if (truncatedBytes > 0) {
      await handle.truncate(offset);
      await handle.datasync();
    }
    return { file: new BlockFile(handle, offset), records, truncatedBytes };
  }

  /** Appends one record and makes it durable. */
  async append(payload: Uint8Array): Promise<void> {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload) >>> 0, 4);
    const record = Buffer.concat([header, payload]);
    // 'a+' mode: every write goes to the end of the file.
    await this.handle.write(record, 0, record.length);
    await this.handle.datasync();
    this.size += record.length;
  }

  /** Bytes of intact records. */
  get bytes(): number {
    return this.size;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
