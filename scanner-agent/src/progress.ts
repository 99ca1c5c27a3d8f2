/**
 * Shows counting progress: a live status line on a terminal (unique items climbing, reads per second,
 * undecodable reads with the latest reason, upload state), one JSON line per tick with `--json`, or plain
 * lines when the output is a file or pipe. The final summary and the stocktake report go to stdout.
 */
import { CloseReport } from './outbox/gateway-client';
import { printable } from '@hainan/epc-decoders';

/** One progress snapshot (also the shape of each `--json` progress line, with `type: "progress"`). */
export interface CountProgress {
  readonly stocktakeId: string | undefined;
  readonly elapsedMs: number;
  /** Every read decoded (items, repeats and undecodable). */
  readonly reads: number;
  /** Reads per second over the last tick (over the whole run in the summary). */
  readonly readsPerSecond: number;
  /** Distinct items counted in this stocktake, including those counted before a restart. */
  readonly uniqueItems: number;
  /** Distinct items first seen in this run. */
  readonly newItems: number;
  readonly undecodable: number;
  readonly undecodableByReason: Readonly<Record<string, number>>;
  readonly lastUndecodable: { readonly reason: string; readonly raw: string } | undefined;
  /** Well-formed reports or frames that carried no read (status, responses). */
  readonly ignored: number;
  readonly spooledBatches: number;
  /** Batches in the spool not yet acknowledged (all stocktakes). */
  readonly pendingBatches: number;
  readonly uploadedBatches: number;
  readonly duplicateBatches: number;
  readonly rejectedBatches: number;
  readonly gateway: 'idle' | 'ok' | 'retrying' | 'offline-mode';
  readonly lastProblem: string | undefined;
  /** The gateway's own unique count for this stocktake after the last accepted batch. */
  readonly serverUniqueItems: number | undefined;
}

/** How progress is shown. */
export type ProgressMode = 'tty' | 'json' | 'plain';

/** Where output goes (process.stdout / process.stderr, or buffers in tests). */
export interface ProgressStreams {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}

/** @returns the one-line human rendering of a snapshot */
export function formatProgressLine(p: CountProgress): string {
  const parts = [
    `unique ${n(p.uniqueItems)}`,
    `reads ${n(p.reads)} (${n(Math.round(p.readsPerSecond))}/s)`,
    `undecodable ${n(p.undecodable)}`,
  ];
  if (p.lastUndecodable !== undefined)
    parts[2] += ` [last: ${p.lastUndecodable.reason} ${printable(p.lastUndecodable.raw).slice(0, 40)}]`;
  if (p.gateway !== 'offline-mode') {
    const upload =
      p.gateway === 'retrying'
        ? `gateway unreachable, retrying (${p.pendingBatches} batches spooled)`
        : `uploaded ${n(p.uploadedBatches)} batches, ${n(p.pendingBatches)} pending`;
    parts.push(upload);
  }
  return parts.join(' | ');
}

/** Renders progress for one mode. */
export class ProgressReporter {
  private lineShown = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly streams: ProgressStreams = { out: process.stdout, err: process.stderr },
  ) {}

  /** Shows a tick. */
  tick(p: CountProgress): void {
    if (this.mode === 'json') {
      this.streams.out.write(`${JSON.stringify({ type: 'progress', ...p })}\n`);
    } else if (this.mode === 'tty') {
      this.streams.err.write(`\r\x1b[K${formatProgressLine(p)}`);
      this.lineShown = true;
    } else {
      this.streams.err.write(`${formatProgressLine(p)}\n`);
    }
  }

  /** Shows a message (a hint, a state change) without garbling the live line. */
  note(text: string): void {
    if (this.mode === 'json') {
      this.streams.out.write(`${JSON.stringify({ type: 'note', message: text })}\n`);
      return;
    }
    this.endLine();
    this.streams.err.write(`${text}\n`);
  }

  /** Shows the final summary. */
  summary(p: CountProgress, samples: readonly { reason: string; raw: string }[]): void {
    if (this.mode === 'json') {
      this.streams.out.write(`${JSON.stringify({ type: 'summary', ...p, undecodableSamples: samples })}\n`);
      return;
    }
    this.endLine();
    const lines = [
      `stocktake ${p.stocktakeId ?? '(not uploading: replay without --stocktake/--location)'}`,
      `  unique items  ${n(p.uniqueItems)} (${n(p.newItems)} new in this run)`,
      `  reads         ${n(p.reads)} in ${(p.elapsedMs / 1000).toFixed(1)} s (${n(Math.round(p.readsPerSecond))}/s)`,
      `  undecodable   ${n(p.undecodable)}${
        Object.keys(p.undecodableByReason).length > 0
          ? ` (${Object.entries(p.undecodableByReason)
              .map(([r, c]) => `${r}: ${c}`)
              .join(', ')})`
          : ''
      }`,
    ];
    for (const s of samples) lines.push(`      e.g. ${s.reason}: ${printable(s.raw)}`);
    if (p.gateway !== 'offline-mode') {
      lines.push(
        `  uploaded      ${n(p.uploadedBatches)} batches (${n(p.duplicateBatches)} already known to the gateway), ${n(p.pendingBatches)} still spooled, ${n(p.rejectedBatches)} rejected`,
      );
      if (p.serverUniqueItems !== undefined) lines.push(`  gateway count ${n(p.serverUniqueItems)} unique items`);
      if (p.lastProblem !== undefined && p.pendingBatches > 0) lines.push(`  last problem  ${p.lastProblem}`);
    }
    this.streams.out.write(`${lines.join('\n')}\n`);
  }

  /** Shows the reconciliation of a closed stocktake (lists truncated on a terminal, complete in JSON). */
  report(r: CloseReport): void {
    if (this.mode === 'json') {
      this.streams.out.write(`${JSON.stringify({ type: 'report', ...r })}\n`);
      return;
    }
    this.endLine();
    const shown = 20;
    const list = (name: string, items: readonly string[]): string[] => [
      `  ${name.padEnd(11)} ${n(items.length)}`,
      ...items.slice(0, shown).map((i) => `      ${i}`),
      ...(items.length > shown ? [`      … and ${n(items.length - shown)} more (use --json for the full list)`] : []),
    ];
    const lines = [
      `stocktake ${r.id} closed`,
      `  matched     ${n(r.counts.matched)}`,
      ...list('missing', r.missing),
      ...list('unexpected', r.unexpected),
      `  merkle root ${r.merkleRoot}`,
      `  ledger tx   ${r.txId}`,
    ];
    this.streams.out.write(`${lines.join('\n')}\n`);
  }

  /** Shows an error with its fix. */
  error(code: string, message: string, hint: string | undefined): void {
    if (this.mode === 'json') {
      this.streams.out.write(`${JSON.stringify({ type: 'error', code, message, hint })}\n`);
    }
    this.endLine();
    this.streams.err.write(
      `error: ${message}\n${hint !== undefined ? `  fix: ${hint.replace(/\n/g, '\n       ')}\n` : ''}`,
    );
  }

  private endLine(): void {
    if (this.lineShown) {
      this.streams.err.write('\n');
      this.lineShown = false;
    }
  }
}
