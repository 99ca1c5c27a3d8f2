// Proves settings come from flags or SCANNER_* environment (flags win) and that bad settings are all reported at start, at once, with what to fix.
// How: loadConfig on literal argv/env pairs, including the device selector grammar and GLN/SGLN validation.
import t from 'tap';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseDeviceSpec, isValidLocation } from '../../scanner-agent/src/config';
import { AgentError } from '../../scanner-agent/src/errors';

const spoolDir = mkdtempSync(join(tmpdir(), 'config-test-'));
t.teardown(() => rmSync(spoolDir, { recursive: true, force: true }));
const ENV = { SCANNER_GATEWAY_URL: 'https://gw.example:8443', SCANNER_API_KEY: 'k-123', SCANNER_SPOOL_DIR: spoolDir };

function problems(argv: string[], env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(argv, env);
    return 'valid';
  } catch (err) {
    t.ok(err instanceof AgentError && err.code === 'CONFIG_INVALID', 'a CONFIG_INVALID error');
    return (err as AgentError).message;
  }
}

t.test('environment supplies gateway, key, device and spool; flags override it', async (t) => {
  const c = loadConfig(['count', '--stocktake', 'b1c0ffee-0000-4000-8000-000000000001'], {
    ...ENV,
    SCANNER_DEVICE: 'serial:/dev/ttyACM0',
  });
  t.match(c, {
    command: 'count',
    gatewayUrl: 'https://gw.example:8443',
    apiKey: 'k-123',
    spoolDir,
    device: { kind: 'serial', path: '/dev/ttyACM0' },
    close: false,
    speed: 0,
    drainTimeoutMs: 30_000,
    baudRate: 115_200,
  });
  const f = loadConfig(
    [
      'count',
      '--location',
      '6901234567892',
      '--gateway',
      'http://127.0.0.1:3000',
      '--device',
      'hid:0c2e:0b8f',
      '--close',
      '--json',
      '--baud',
      '9600',
      '--layout',
      'hid-pos',
    ],
    ENV,
  );
  t.match(f, {
    gatewayUrl: 'http://127.0.0.1:3000',
    location: '6901234567892',
    close: true,
    json: true,
    baudRate: 9600,
    layout: 'hid-pos',
    device: { kind: 'hid', selector: { kind: 'id', vendorId: 0x0c2e, productId: 0x0b8f } },
  });
});

t.test('every problem is reported at once, with where to set it', async (t) => {
  const message = problems(['count', '--location', '6901234567891', '--baud', 'fast', '--layout', 'qr'], {});
  t.match(message, /gateway URL is missing \(--gateway or SCANNER_GATEWAY_URL\)/);
  t.match(message, /API key is missing \(SCANNER_API_KEY/);
  t.match(message, /location "6901234567891" is neither a 13-digit GLN with a correct check digit/);
  t.match(message, /--baud must be an integer/);
  t.match(message, /--layout must be one of hid-pos, cp2110-m100, m100, tsl-ascii, lines/);
});

t.test('other refusals', async (t) => {
  t.match(problems(['count'], ENV), /give either --stocktake <id>/);
  t.match(problems(['count', '--stocktake', 'a', '--location', '6901234567892'], ENV), /give either --stocktake/);
  t.match(problems(['count', '--stocktake', 'a b'], ENV), /stocktake id "a b" must be/);
  t.match(
    problems(['count', '--stocktake', 'a'], { ...ENV, SCANNER_GATEWAY_URL: 'ftp://x' }),
    /must be http:\/\/ or https:\/\//,
  );
  t.match(problems(['count', '--stocktake', 'a'], { ...ENV, SCANNER_GATEWAY_URL: 'not a url' }), /is not a URL/);
  t.match(
    problems(['count', '--stocktake', 'a'], { ...ENV, SCANNER_API_KEY: 'has space' }),
    /API key must be printable/,
  );
  t.match(problems(['count', '--stocktake', 'a', '--device', 'usb'], ENV), /device "usb" is not one of/);
  t.match(problems(['frobnicate'], ENV), /unknown command "frobnicate"/);
  t.match(problems([], ENV), /no command given/);
  t.match(problems(['count', '--stocktake', 'a', '--wat'], ENV), /Unknown option '--wat'/);
  t.match(problems(['record'], ENV), /record needs --out <file>/);
  t.match(problems(['devices', '--close'], ENV), /--close only applies to counting/);
  t.match(problems(['replay'], ENV), /replay needs exactly one capture file/);
  t.match(problems(['count', '--stocktake', 'a', '--speed', '2'], ENV), /--speed only applies to a replay/);
  t.match(problems(['replay', 'x.capture', '--speed=-1'], ENV), /--speed must be 0/);
});

t.test(
  'an unwritable spool directory is refused before counting starts',
  { skip: process.getuid?.() === 0 ? 'root can write anywhere' : false },
  async (t) => {
    const locked = mkdtempSync(join(tmpdir(), 'config-ro-'));
    chmodSync(locked, 0o500);
    t.teardown(() => rmSync(locked, { recursive: true, force: true }));
    t.match(
      problems(['count', '--stocktake', 'a'], { ...ENV, SCANNER_SPOOL_DIR: join(locked, 'spool') }),
      /spool directory .* is not writable/,
    );
  },
);

t.test('a spool path under a file is refused before counting starts', async (t) => {
  t.match(
    problems(['count', '--stocktake', 'a'], { ...ENV, SCANNER_SPOOL_DIR: '/dev/null/spool' }),
    /spool directory \/dev\/null\/spool is not writable/,
  );
});

t.test('replay without a stocktake needs no gateway (a dry run)', async (t) => {
  t.match(loadConfig(['replay', 'x.capture', '--speed', '1'], {}), {
    command: 'replay',
    replayPath: 'x.capture',
    speed: 1,
    stocktakeId: undefined,
  });
});

t.test('device selectors and locations', async (t) => {
  t.same(parseDeviceSpec('auto'), { kind: 'hid', selector: { kind: 'auto' } });
  t.same(parseDeviceSpec('hid:/dev/hidraw3'), { kind: 'hid', selector: { kind: 'path', path: '/dev/hidraw3' } });
  t.same(parseDeviceSpec('stdin'), { kind: 'stdin' });
  t.type(parseDeviceSpec('serial:'), 'string');
  t.ok(isValidLocation('6901234567892'));
  t.notOk(isValidLocation('6901234567891'));
  t.ok(isValidLocation('urn:epc:id:sgln:0614141.00001.0'));
  t.notOk(isValidLocation('urn:epc:id:sgln:0614141.0001.0'));
});
