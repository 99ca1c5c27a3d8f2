#!/usr/bin/env node
/**
 * `scanner-agent`: the command line of the handheld-counter agent.
 *
 *   scanner-agent devices                                  list attached counters and what the agent can drive
 *   scanner-agent count --stocktake <id> | --location <gln> [--close] [--replay <file>]
 *   scanner-agent record --out <file>                      capture raw reports from a device
 *   scanner-agent replay <file> [--stocktake <id> | --location <gln>] [--speed 1]
 *
 * Process wrapper only: parse and validate settings, build the transport, spool, client and session, wire
 * keys and signals, print, and map outcomes to exit codes. The work is in agent.ts and below.
 */
import { CountSession } from './agent';
import { CaptureWriter } from './capture';
import { AgentConfig, loadConfig } from './config';
import { EpcReadDecoder } from '@hainan/epc-decoders';
import { LAYOUT_INFO, LAYOUTS, newReportDecoder } from '@hainan/epc-decoders';
import { AgentError, EXIT, isAgentError, newAgentError } from './errors';
import { newGatewayClient, GatewayClient, GatewayError } from './outbox/gateway-client';
import { Spool } from './outbox/spool';
import { Uploader, fullJitterDelayMs } from './outbox/uploader';
import { ProgressMode, ProgressReporter } from './progress';
import { classifyHidDevice, listHidDevices, openHidTransport, HID_POS_USAGE_PAGE } from './transport/hid';
import { openReplayTransport } from './transport/replay';
import { listSerialPorts, openSerialTransport } from './transport/serial';
import { openStdinTransport } from './transport/stdin';
import { Transport } from './transport/transport';
import { Read } from '@hainan/epc-decoders';

const USAGE = `scanner-agent: count stock with handheld RFID and barcode counters, upload each read exactly once

Commands
  devices                       list HID devices and serial ports, mark the ones the agent can drive
  count                         count a stocktake from a device (or --replay <file>)
  record --out <file>           capture raw reports from a device to a file (Ctrl-C or q to stop)
  replay <file>                 play a capture through the decoders (counts a stocktake if one is given)

Counting
  --stocktake <id>              an open stocktake
  --location <GLN|sgln URN>     open a new stocktake at this location
  --close                       close the stocktake at the end of input and print the report
                                (live: press c to close, q to stop without closing; or SIGUSR2 / SIGINT)
  --replay <file>               read a capture instead of a device
  --speed <n>                   replay speed: 0 as fast as possible (default), 1 recorded speed
  --drain-timeout-s <s>         wait this long for the upload to finish at the end (default 30)
  --json                        one JSON line per progress tick, then the summary and report

Device
  --device <sel>                auto (default) | hid:VVVV:PPPP | hid:<path> | serial:<path> | stdin   [SCANNER_DEVICE]
  --layout <name>               ${LAYOUTS.join(' | ')}
  --baud <n>                    serial / CP2110 UART speed (default 115200)
  --inventory                   send the M100 start-inventory command on open (modules without a trigger)
  --device-id <id>              this counter's id sent with each batch (default: host name)   [SCANNER_DEVICE_ID]

Gateway and spool
  --gateway <url>               gateway base URL                                             [SCANNER_GATEWAY_URL]
  --api-key <key>               API key (prefer the environment: flags show in ps)           [SCANNER_API_KEY]
  --spool-dir <dir>             durable outbox (default ~/.local/state/scanner-agent/spool)  [SCANNER_SPOOL_DIR]

Record
  --out <file>  --duration-s <s>  --reports-max <n>

Exit codes: 0 done, 1 failure, 2 bad settings, 3 device problem, 4 gateway refused, 75 reads still waiting in the spool.
`;

function exitCodeOf(err: AgentError): number {
  switch (err.code) {
    case 'CONFIG_INVALID':
    case 'CAPTURE_INVALID':
      return EXIT.usage;
    case 'HID_UNAVAILABLE':
    case 'SERIAL_UNAVAILABLE':
    case 'DEVICE_NOT_FOUND':
    case 'DEVICE_OPEN_FAILED':
      return EXIT.device;
    case 'GATEWAY_REJECTED':
    case 'GATEWAY_AUTH':
      return EXIT.gatewayRejected;
    case 'STOCKTAKE_NOT_CLOSED':
    case 'GATEWAY_UNREACHABLE':
      return EXIT.pendingUpload;
    default:
      return EXIT.failure;
  }
}

function progressMode(config: AgentConfig): ProgressMode {
  if (config.json) return 'json';
  return process.stderr.isTTY ? 'tty' : 'plain';
}

async function openDeviceTransport(config: AgentConfig): Promise<Transport> {
  const d = config.device;
  if (d.kind === 'stdin') return openStdinTransport(process.stdin, config.layout ?? 'lines');
  if (d.kind === 'serial')
    return openSerialTransport({
      path: d.path,
      baudRate: config.baudRate,
      layout: config.layout ?? 'lines',
      inventory: config.inventory,
    });
  return openHidTransport({
    selector: d.selector,
    ...(config.layout === undefined ? {} : { layout: config.layout }),
    baudRate: config.baudRate,
    inventory: config.inventory,
  });
}

/** Keys (on a terminal, when stdin is not the read source) and signals that end a session. */
function wireStopControls(
  stop: (mode: 'close' | 'quit') => void,
  transport: Transport,
  reporter: ProgressReporter,
): () => void {
  let interrupts = 0;
  const onInt = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // second Ctrl-C: leave now (everything spooled is safe)
    reporter.note('stopping (without closing the stocktake); Ctrl-C again to leave at once');
    stop('quit');
  };
  const onClose = (): void => stop('close');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  process.on('SIGUSR2', onClose);
  const keys = process.stdin.isTTY === true && !transport.description.startsWith('stdin');
  const onKey = (data: Buffer): void => {
    const key = data.toString('latin1');
    if (key === 'c' || key === 'C') stop('close');
    else if (key === 'q' || key === 'Q' || key === '\u0003') onInt();
  };
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', onKey);
    process.stdin.resume();
    reporter.note('press c to close the stocktake, q to stop without closing');
  }
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onInt);
    process.off('SIGUSR2', onClose);
    if (keys) {
      process.stdin.off('data', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  };
}

async function openStocktake(
  client: GatewayClient,
  location: string,
  deviceId: string,
  timeoutMs: number,
  reporter: ProgressReporter,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const opened = await client.openStocktake(location, [deviceId]);
      reporter.note(
        `opened stocktake ${opened.id} at ${opened.location} (continue it later with --stocktake ${opened.id})`,
      );
      return opened.id;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      const delayMs = fullJitterDelayMs(attempt, 250, 5000, Math.random);
      if (!err.retryable || err.failure === 'auth' || Date.now() + delayMs > deadline) {
        const code =
          err.failure === 'auth' ? 'GATEWAY_AUTH' : err.retryable ? 'GATEWAY_UNREACHABLE' : 'GATEWAY_REJECTED';
        throw newAgentError(
          code,
          `cannot open a stocktake at ${location}: ${err.message}`,
          err.failure === 'auth'
            ? 'check SCANNER_API_KEY'
            : 'a stocktake can only be opened online; once open, counting works offline (use --stocktake <id>)',
        );
      }
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

async function commandCount(config: AgentConfig, reporter: ProgressReporter): Promise<number> {
  const counting = config.stocktakeId !== undefined || config.location !== undefined;
  let spool: Spool | undefined;
  let uploader: Uploader | undefined;
  let client: GatewayClient | undefined;
  let stocktakeId = config.stocktakeId;
  let transport: Transport | undefined;
  try {
    if (counting) {
      spool = Spool.open(config.spoolDir);
      if (spool.tornBytesDropped > 0)
        reporter.note(
          `spool: dropped a torn tail of ${spool.tornBytesDropped} bytes left by a crash (a batch that had not finished writing, never uploaded)`,
        );
      client = newGatewayClient({ baseUrl: config.gatewayUrl ?? '', apiKey: config.apiKey ?? '' });
      if (stocktakeId === undefined)
        stocktakeId = await openStocktake(
          client,
          config.location ?? '',
          config.deviceId,
          config.drainTimeoutMs,
          reporter,
        );
      uploader = new Uploader({ spool, client });
    }
    let session: CountSession | undefined;
    if (config.replayPath !== undefined) {
      transport = await openReplayTransport(config.replayPath, {
        speed: config.speed,
        onMalformedLine: (n, line) => session?.onMalformedCaptureLine(n, line),
      });
    } else {
      transport = await openDeviceTransport(config);
    }
    if (transport.slow)
      reporter.note(
        `reading ${transport.description}: keyboard-wedge input is slow; switch the counter to USB HID POS or serial mode for full speed`,
      );
    else reporter.note(`reading ${transport.description} (${transport.layout})`);
    session = new CountSession({
      transport,
      stocktakeId,
      deviceId: config.deviceId,
      ...(spool === undefined ? {} : { spool }),
      ...(uploader === undefined ? {} : { uploader }),
      ...(client === undefined ? {} : { client }),
      onProgress: (p) => reporter.tick(p),
      drainTimeoutMs: config.drainTimeoutMs,
      closeAtEnd: config.close,
    });
    const active = session;
    const unwire = wireStopControls((mode) => active.stop(mode), transport, reporter);
    let outcome;
    try {
      outcome = await session.run();
    } finally {
      unwire();
    }
    reporter.summary(outcome.progress, outcome.samples);
    if (outcome.closeReport !== undefined) reporter.report(outcome.closeReport);
    if (outcome.error !== undefined) {
      reporter.error(outcome.error.code, outcome.error.message, outcome.error.hint);
      return exitCodeOf(outcome.error);
    }
    if (!outcome.drained) {
      reporter.note(
        `${spool?.pending() ?? 0} batches are safe in the spool at ${config.spoolDir} and will be uploaded the next time the agent runs`,
      );
      return EXIT.pendingUpload;
    }
    return EXIT.ok;
  } finally {
    await transport?.close();
    spool?.close();
  }
}

async function commandRecord(config: AgentConfig, reporter: ProgressReporter): Promise<number> {
  const transport = await openDeviceTransport(config);
  const writer = new CaptureWriter(config.out ?? '', {
    layout: transport.layout,
    device: transport.description,
    started: new Date().toISOString(),
  });
  const decoder = newReportDecoder(transport.layout, new EpcReadDecoder());
  let reports = 0;
  let reads = 0;
  let undecodableReads = 0;
  const sink = (read: Read): void => {
    reads++;
    if (read.kind === 'undecodable') undecodableReads++;
  };
  reporter.note(`recording ${transport.description} (${transport.layout}) to ${config.out}; q or Ctrl-C to stop`);
  const unwire = wireStopControls(() => void transport.close(), transport, reporter);
  const timer =
    config.durationMs === undefined ? undefined : setTimeout(() => void transport.close(), config.durationMs);
  const ticker = setInterval(
    () => reporter.note(`recorded ${reports} reports, ${reads} reads (${undecodableReads} undecodable)`),
    2000,
  );
  try {
    for await (const batch of transport.reports()) {
      for (const report of batch) {
        writer.write(report.atMs, report.bytes);
        decoder.push(report.bytes, sink);
        if (++reports >= config.reportsMax) await transport.close();
      }
    }
  } finally {
    clearInterval(ticker);
    if (timer !== undefined) clearTimeout(timer);
    unwire();
    writer.close();
    await transport.close();
  }
  decoder.end(sink);
  reporter.note(`recorded ${reports} reports (${reads} reads, ${undecodableReads} undecodable) to ${config.out}`);
  return EXIT.ok;
}

async function commandDevices(config: AgentConfig, reporter: ProgressReporter): Promise<number> {
  const result: {
    hid: unknown[];
    hidProblem?: { code: string; message: string; hint?: string };
    serial: unknown[];
    serialProblem?: { code: string; message: string; hint?: string };
    stdin: string;
  } = {
    hid: [],
    serial: [],
    stdin: 'keyboard-wedge scanners: --device stdin (slow; the OS owns keyboards, node-hid cannot read them)',
  };
  const lines: string[] = [];
  try {
    const devices = await listHidDevices();
    lines.push(`HID devices (${devices.length}):`);
    for (const d of devices) {
      const c = classifyHidDevice(d);
      const entry = {
        vendorId: d.vendorId.toString(16).padStart(4, '0'),
        productId: d.productId.toString(16).padStart(4, '0'),
        usagePage: `0x${(d.usagePage ?? 0).toString(16)}`,
        usage: `0x${(d.usage ?? 0).toString(16)}`,
        path: d.path,
        product: d.product,
        manufacturer: d.manufacturer,
        drivable: c.layout !== undefined,
        layout: c.layout,
        role: c.role,
      };
      result.hid.push(entry);
      lines.push(
        `  ${c.layout !== undefined ? '*' : ' '} ${entry.vendorId}:${entry.productId} page ${entry.usagePage} usage ${entry.usage} ${d.path ?? ''} ${[d.manufacturer, d.product].filter(Boolean).join(' ')} — ${c.role}${c.layout ? ` [--device hid:${entry.vendorId}:${entry.productId}, layout ${c.layout}]` : ''}`,
      );
    }
    if (devices.length === 0) lines.push('  none (plug a counter in; on Linux also check /dev/hidraw* permissions)');
  } catch (err) {
    if (!isAgentError(err)) throw err;
    result.hidProblem = { code: err.code, message: err.message, ...(err.hint === undefined ? {} : { hint: err.hint }) };
    lines.push(`HID devices: unavailable. ${err.message}`, `  fix: ${err.hint ?? ''}`);
  }
  try {
    const ports = await listSerialPorts();
    lines.push(`Serial ports (${ports.length}):`);
    for (const p of ports) {
      result.serial.push(p);
      lines.push(
        `    ${p.path} ${[p.manufacturer, p.vendorId && `${p.vendorId}:${p.productId}`].filter(Boolean).join(' ')} [--device serial:${p.path} --layout m100|tsl-ascii|lines]`,
      );
    }
  } catch (err) {
    if (!isAgentError(err)) throw err;
    result.serialProblem = {
      code: err.code,
      message: err.message,
      ...(err.hint === undefined ? {} : { hint: err.hint }),
    };
    lines.push(`Serial ports: unavailable. ${err.message}`, `  fix: ${err.hint ?? ''}`);
  }
  lines.push(
    `Keyboard wedge: ${result.stdin}`,
    '',
    `Drivable (*): HID POS scanners (usage page 0x${HID_POS_USAGE_PAGE.toString(16)}) and CP2110 RFID bridges; report layouts:`,
  );
  for (const layout of LAYOUTS)
    lines.push(`  ${layout.padEnd(12)} ${LAYOUT_INFO[layout].transport.padEnd(16)} ${LAYOUT_INFO[layout].families}`);
  if (config.json) process.stdout.write(`${JSON.stringify({ type: 'devices', ...result })}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
  void reporter;
  return EXIT.ok;
}

/**
 * Runs the CLI.
 *
 * @param argv arguments after `node cli.js`
 * @returns the exit code
 */
export async function main(argv: readonly string[]): Promise<number> {
  let config: AgentConfig;
  try {
    config = loadConfig(argv, process.env);
  } catch (err) {
    if (!isAgentError(err)) throw err;
    new ProgressReporter(argv.includes('--json') ? 'json' : 'plain').error(err.code, err.message, err.hint);
    return EXIT.usage;
  }
  if (config.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const reporter = new ProgressReporter(progressMode(config));
  try {
    switch (config.command) {
      case 'devices':
        return await commandDevices(config, reporter);
      case 'record':
        return await commandRecord(config, reporter);
      case 'count':
      case 'replay':
        return await commandCount(config, reporter);
    }
  } catch (err) {
    if (!isAgentError(err)) throw err;
    reporter.error(err.code, err.message, err.hint);
    return exitCodeOf(err);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
