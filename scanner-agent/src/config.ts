/**
 * Settings of the agent from flags and environment, validated before anything starts: every problem is
 * reported at once, as one CONFIG_INVALID error, in the operator's words.
 *
 * Environment (flags win): SCANNER_GATEWAY_URL, SCANNER_API_KEY, SCANNER_DEVICE, SCANNER_SPOOL_DIR,
 * SCANNER_DEVICE_ID.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LAYOUTS, LayoutName, isLayoutName } from '@hainan/epc-decoders';
import { isValidLocation } from '@hainan/ledger-model';
import { newConfigError } from './errors';
import { HidSelector } from './transport/hid';

/** The commands of the CLI. */
export const COMMANDS = ['devices', 'count', 'record', 'replay'] as const;
export type Command = (typeof COMMANDS)[number];

/** Which device to read from. */
export type DeviceSpec =
  | { readonly kind: 'hid'; readonly selector: HidSelector }
  | { readonly kind: 'serial'; readonly path: string }
  | { readonly kind: 'stdin' };

/** Validated settings. */
export interface AgentConfig {
  readonly command: Command;
  readonly help: boolean;
  readonly json: boolean;
  readonly gatewayUrl: string | undefined;
  readonly apiKey: string | undefined;
  readonly device: DeviceSpec;
  /** As given, for messages and capture headers. */
  readonly deviceText: string;
  readonly deviceId: string;
  readonly spoolDir: string;
  readonly layout: LayoutName | undefined;
  readonly baudRate: number;
  readonly inventory: boolean;
  readonly stocktakeId: string | undefined;
  readonly location: string | undefined;
  readonly close: boolean;
  readonly replayPath: string | undefined;
  /** 0 = as fast as possible. */
  readonly speed: number;
  readonly drainTimeoutMs: number;
  readonly out: string | undefined;
  readonly durationMs: number | undefined;
  readonly reportsMax: number;
}

/** Default wait for the spool to drain before exiting or closing. */
export const DRAIN_TIMEOUT_MS_DEFAULT = 30_000;
/** Default baud rate for serial devices and CP2110 bridges (M100 modules ship at 115200). */
export const BAUD_RATE_DEFAULT = 115_200;
const BAUD_RATE_MIN = 1200;
const BAUD_RATE_MAX = 4_000_000;
/** Most reports `record` writes unless told otherwise. */
export const RECORD_REPORTS_MAX_DEFAULT = 10_000_000;
const SPEED_MAX = 1000;
const DRAIN_TIMEOUT_S_MAX = 24 * 3600;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  gateway: { type: 'string' },
  'api-key': { type: 'string' },
  device: { type: 'string' },
  'device-id': { type: 'string' },
  'spool-dir': { type: 'string' },
  layout: { type: 'string' },
  baud: { type: 'string' },
  inventory: { type: 'boolean' },
  stocktake: { type: 'string' },
  location: { type: 'string' },
  close: { type: 'boolean' },
  replay: { type: 'string' },
  speed: { type: 'string' },
  'drain-timeout-s': { type: 'string' },
  out: { type: 'string' },
  'duration-s': { type: 'string' },
  'reports-max': { type: 'string' },
} as const;

/** @returns the default spool directory: `$XDG_STATE_HOME/scanner-agent/spool` */
export function defaultSpoolDir(env: NodeJS.ProcessEnv): string {
  const state =
    env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME.length > 0
      ? env.XDG_STATE_HOME
      : join(homedir(), '.local', 'state');
  return join(state, 'scanner-agent', 'spool');
}

/** A 13-digit GLN with its check digit, or an SGLN pure-identity URI: the ledger's rule (@hainan/ledger-model). */
export { isValidLocation };

/**
 * Parses a device selector: `auto`, `hid`, `hid:VVVV:PPPP` (hex), `hid:/dev/hidrawN`, `serial:/dev/ttyACM0`,
 * or `stdin`.
 *
 * @returns the spec, or a problem description
 */
export function parseDeviceSpec(text: string): DeviceSpec | string {
  if (text === 'auto' || text === 'hid') return { kind: 'hid', selector: { kind: 'auto' } };
  if (text === 'stdin') return { kind: 'stdin' };
  const ids = /^hid:([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(text);
  if (ids !== null)
    return {
      kind: 'hid',
      selector: { kind: 'id', vendorId: parseInt(ids[1] ?? '', 16), productId: parseInt(ids[2] ?? '', 16) },
    };
  if (text.startsWith('hid:') && text.length > 4)
    return { kind: 'hid', selector: { kind: 'path', path: text.slice(4) } };
  if (text.startsWith('serial:') && text.length > 7) return { kind: 'serial', path: text.slice(7) };
  return `device "${text}" is not one of auto, hid:VVVV:PPPP, hid:<path>, serial:<path>, stdin`;
}

function integer(
  text: string | undefined,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${text}")`);
    return undefined;
  }
  return n;
}

/**
 * Reads and validates the settings. Pure apart from creating the spool directory to check it is writable
 * (for commands that use the spool).
 *
 * @param argv arguments after `node cli.js`
 * @param env the environment
 * @throws AgentError CONFIG_INVALID listing every problem
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): AgentConfig {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true; args: string[] }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw newConfigError([(err as Error).message]);
  }
  const v = parsed.values;
  const problems: string[] = [];
  const [commandText, ...rest] = parsed.positionals;
  const help = v.help === true;
  const command = (commandText ?? 'help') as Command;
  if (!help && !(COMMANDS as readonly string[]).includes(command))
    problems.push(
      commandText === undefined
        ? 'no command given (devices, count, record or replay)'
        : `unknown command "${commandText}" (devices, count, record or replay)`,
    );
  let replayPath = v.replay;
  if (command === 'replay') {
    if (rest.length !== 1 && replayPath === undefined)
      problems.push('replay needs exactly one capture file: scanner-agent replay <file>');
    replayPath = replayPath ?? rest[0];
  } else if (rest.length > 0 && !help) {
    problems.push(`unexpected argument "${rest[0]}"`);
  }

  const gatewayUrl = v.gateway ?? env.SCANNER_GATEWAY_URL;
  const apiKey = v['api-key'] ?? env.SCANNER_API_KEY;
  const deviceText = v.device ?? env.SCANNER_DEVICE ?? 'auto';
  const spoolDir = resolve(v['spool-dir'] ?? env.SCANNER_SPOOL_DIR ?? defaultSpoolDir(env));
  const deviceId = v['device-id'] ?? env.SCANNER_DEVICE_ID ?? hostname();

  const device = parseDeviceSpec(deviceText);
  if (typeof device === 'string') problems.push(`${device} (--device or SCANNER_DEVICE)`);
  let layout: LayoutName | undefined;
  if (v.layout !== undefined) {
    if (isLayoutName(v.layout)) layout = v.layout;
    else problems.push(`--layout must be one of ${LAYOUTS.join(', ')} (got "${v.layout}")`);
  }
  if (!/^[!-~]{1,100}$/.test(deviceId))
    problems.push(
      "device id (--device-id or SCANNER_DEVICE_ID) must be 1-100 printable characters without spaces (the gateway's limit)",
    );

  const counting =
    command === 'count' || (command === 'replay' && (v.stocktake !== undefined || v.location !== undefined));
  if (counting) {
    if (gatewayUrl === undefined || gatewayUrl.length === 0) {
      problems.push('the gateway URL is missing (--gateway or SCANNER_GATEWAY_URL)');
    } else {
      let url: URL | undefined;
      try {
        url = new URL(gatewayUrl);
      } catch {
        problems.push(`gateway URL "${gatewayUrl}" is not a URL (--gateway or SCANNER_GATEWAY_URL)`);
      }
      if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:')
        problems.push(`gateway URL must be http:// or https:// (got "${url.protocol}")`);
    }
    if (apiKey === undefined || apiKey.length === 0)
      problems.push('the API key is missing (SCANNER_API_KEY, or --api-key)');
    else if (!/^[!-~]{1,4096}$/.test(apiKey))
      problems.push('the API key must be printable characters without spaces (SCANNER_API_KEY or --api-key)');
    if ((v.stocktake === undefined) === (v.location === undefined))
      problems.push('give either --stocktake <id> (an open stocktake) or --location <GLN> (to open one)');
    if (v.stocktake !== undefined && !/^[A-Za-z0-9_-]{1,128}$/.test(v.stocktake))
      problems.push(`stocktake id "${v.stocktake}" must be 1-128 letters, digits, - or _`);
    if (v.location !== undefined && !isValidLocation(v.location))
      problems.push(
        `location "${v.location}" is neither a 13-digit GLN with a correct check digit nor urn:epc:id:sgln:…`,
      );
  } else if (v.close === true) {
    problems.push('--close only applies to counting (count, or replay with --stocktake/--location)');
  }
  if (command === 'record' && v.out === undefined) problems.push('record needs --out <file>');
  if (command === 'record' && replayPath !== undefined)
    problems.push('record reads a device, not a capture (drop --replay)');

  const baudRate = integer(v.baud, '--baud', BAUD_RATE_MIN, BAUD_RATE_MAX, problems) ?? BAUD_RATE_DEFAULT;
  const drainTimeoutS = integer(v['drain-timeout-s'], '--drain-timeout-s', 0, DRAIN_TIMEOUT_S_MAX, problems);
  const durationS = integer(v['duration-s'], '--duration-s', 1, DRAIN_TIMEOUT_S_MAX, problems);
  const reportsMax =
    integer(v['reports-max'], '--reports-max', 1, RECORD_REPORTS_MAX_DEFAULT, problems) ?? RECORD_REPORTS_MAX_DEFAULT;
  let speed = 0;
  if (v.speed !== undefined) {
    speed = Number(v.speed);
    if (!Number.isFinite(speed) || speed < 0 || speed > SPEED_MAX)
      problems.push(`--speed must be 0 (as fast as possible) or a factor up to ${SPEED_MAX} (1 = recorded speed)`);
  }
  if (v.speed !== undefined && replayPath === undefined) problems.push('--speed only applies to a replay');

  if (counting && problems.length === 0) {
    try {
      mkdirSync(spoolDir, { recursive: true });
      accessSync(spoolDir, constants.W_OK);
    } catch (err) {
      problems.push(
        `spool directory ${spoolDir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set --spool-dir or SCANNER_SPOOL_DIR`,
      );
    }
  }
  if (problems.length > 0) throw newConfigError(problems);

  return {
    command,
    help,
    json: v.json === true,
    gatewayUrl,
    apiKey,
    device: device as DeviceSpec,
    deviceText,
    deviceId,
    spoolDir,
    layout,
    baudRate,
    inventory: v.inventory === true,
    stocktakeId: v.stocktake,
    location: v.location,
    close: v.close === true,
    replayPath,
    speed,
    drainTimeoutMs: drainTimeoutS === undefined ? DRAIN_TIMEOUT_MS_DEFAULT : drainTimeoutS * 1000,
    out: v.out,
    durationMs: durationS === undefined ? undefined : durationS * 1000,
    reportsMax,
  };
}
