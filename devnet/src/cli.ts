#!/usr/bin/env node
/**
 * `npm run devnet -- --data <dir>`: runs the dev peer until SIGINT/SIGTERM. Prints one line
 * `DEVNET READY {"endpoint":...,"connectionProfile":...}` when it accepts clients.
 *
 * While it runs, lines on stdin control it (tests and fault drills; each answered on stdout by
 * `DEVNET CONTROL ok <command>` or `DEVNET CONTROL error <reason>`):
 *   `chaincodes stop` / `chaincodes start`  stop or start the chaincode servers (Devnet.stopChaincodes/startChaincodes)
 *   `orderer down` / `orderer up`           submits fail as with an unreachable orderer, or work again
 * SIGUSR2 toggles the chaincode servers (stopped <-> started) for a shell without a pipe to stdin.
 *
 * `npm run devnet -- add-crl --data <dir> --msp <mspId> --crl <file>`: with the dev peer stopped, commits a config
 * block that adds the CRL to the organisation's MSP in the channel configuration (config-update.ts); the peer
 * refuses the certificates it lists from its next start on. A running in-process network: Devnet.addRevocationList.
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { ChaincodeSpec, Devnet, startDevnet } from './devnet';
import { PROJECT_CHAINCODE } from './project-chaincode';
import { commitRevocationList, ConfigUpdateError } from './config-update';
import { loadOrCreateCryptoMaterial, ORDERER_MSP_ID } from './crypto-material';
import { privateKeyFromPem, signLowS } from './crypto/ecdsa';
import { Ledger } from './ledger/ledger';
import { serializeIdentity } from './msp';

const USAGE = `usage: devnet --data <dir> [--port 7051] [--host 127.0.0.1] [--channel mychannel] [--no-tls] [--ca-port 0] [--no-ca]
  [--chaincode name=<module dir>]... [--chaincode-script name=<server.js>]... [--chaincode-address name=<host:port>]...
  [--collection <chaincode>:<collection>]... [--batch-size 10] [--batch-timeout-ms 200] [--execute-timeout-ms 30000]
  [--omit-org <mspId>]...   (a new channel without that client organisation: its identities get "creator org unknown")
       devnet add-crl --data <dir> --msp <mspId> --crl <file.pem>   (dev peer stopped)`;

function fail(message: string): never {
  process.stderr.write(`devnet: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    fail(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${value}"`);
  return n;
}

function pairs(values: string[] | undefined, flag: string): [string, string][] {
  return (values ?? []).map((v) => {
    const i = v.indexOf('=');
    if (i <= 0 || i === v.length - 1) fail(`--${flag} takes name=value, got "${v}"`);
    return [v.slice(0, i), v.slice(i + 1)];
  });
}

/** `add-crl`: one config block adding a CRL to an organisation's MSP, on a stopped peer's ledger. */
async function addCrl(args: string[]): Promise<void> {
  let v;
  try {
    v = parseArgs({
      args,
      options: { data: { type: 'string' }, msp: { type: 'string' }, crl: { type: 'string' } },
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  if (!v.data || !v.msp || !v.crl) fail('add-crl needs --data, --msp and --crl');
  const dataDir = resolve(v.data);
  const crlPem = await readFile(resolve(v.crl), 'utf8');
  const crypto = await loadOrCreateCryptoMaterial(dataDir);
  const ordererKey = privateKeyFromPem(crypto.orderer.keyPem);
  const signer = {
    creator: serializeIdentity(ORDERER_MSP_ID, crypto.orderer.certPem),
    sign: (m: Uint8Array) => signLowS(ordererKey, m),
  };
  const ledger = await Ledger.open(
    join(dataDir, 'ledger'),
    () => fail(`${dataDir} holds no ledger`),
    () => false,
  );
  try {
    const next = await commitRevocationList(ledger, signer, v.msp, crlPem);
    process.stdout.write(
      `config block ${ledger.height - 1}: CRL added to ${v.msp} (config sequence ${next.sequence})\n`,
    );
  } catch (err) {
    if (err instanceof ConfigUpdateError) fail(err.message);
    throw err;
  } finally {
    await ledger.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'add-crl') return addCrl(process.argv.slice(3));
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        data: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        channel: { type: 'string' },
        'no-tls': { type: 'boolean' },
        'ca-port': { type: 'string' },
        'no-ca': { type: 'boolean' },
        chaincode: { type: 'string', multiple: true },
        'chaincode-script': { type: 'string', multiple: true },
        'chaincode-address': { type: 'string', multiple: true },
        collection: { type: 'string', multiple: true },
        'batch-size': { type: 'string' },
        'batch-timeout-ms': { type: 'string' },
        'execute-timeout-ms': { type: 'string' },
        'omit-org': { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!v.data) fail('--data <dir> is required');
  const collections = new Map<string, string[]>();
  for (const c of v.collection ?? []) {
    const [cc, name] = c.split(':');
    if (!cc || !name) fail(`--collection takes <chaincode>:<collection>, got "${c}"`);
    collections.set(cc, [...(collections.get(cc) ?? []), name]);
  }
  const chaincodes: ChaincodeSpec[] = [
    ...pairs(v.chaincode, 'chaincode').map(
      ([name, dir]): ChaincodeSpec => ({ name, kind: 'contract', modulePath: resolve(dir) }),
    ),
    ...pairs(v['chaincode-script'], 'chaincode-script').map(
      ([name, script]): ChaincodeSpec => ({ name, kind: 'script', script: resolve(script) }),
    ),
    ...pairs(v['chaincode-address'], 'chaincode-address').map(
      ([name, address]): ChaincodeSpec => ({ name, kind: 'external', address }),
    ),
  ].map((s) => ({ ...s, collections: collections.get(s.name) ?? [] }));
  const devnet = await startDevnet({
    dataDir: v.data,
    host: v.host,
    port: positiveInt('port', v.port, 7051, true),
    channelId: v.channel,
    tls: !v['no-tls'],
    caPort: v['no-ca'] ? false : positiveInt('ca-port', v['ca-port'], 0, true),
    chaincodes: chaincodes.length > 0 ? chaincodes : [PROJECT_CHAINCODE],
    batch: {
      maxMessageCount: positiveInt('batch-size', v['batch-size'], 10),
      batchTimeoutMs: positiveInt('batch-timeout-ms', v['batch-timeout-ms'], 200),
    },
    executeTimeoutMs: positiveInt('execute-timeout-ms', v['execute-timeout-ms'], 30_000),
    omitOrgs: v['omit-org'] ?? [],
    log: (line) => process.stderr.write(`devnet: ${line}\n`),
  });
  process.stdout.write(
    `DEVNET READY ${JSON.stringify({ endpoint: devnet.endpoint, caUrl: devnet.caUrl, connectionProfile: devnet.profilePath })}\n`,
  );
  const shutdown = (signal: string) => {
    process.stderr.write(`devnet: ${signal}, shutting down\n`);
    devnet.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`devnet: shutdown failed: ${err}\n`);
        process.exit(1);
      },
    );
  };
  listenForControl(devnet);
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

/** The stdin commands and SIGUSR2 of the module comment; one command at a time, in order. */
function listenForControl(devnet: Devnet): void {
  const commands: Record<string, () => Promise<void> | void> = {
    'chaincodes stop': () => devnet.stopChaincodes(),
    'chaincodes start': () => devnet.startChaincodes(),
    'orderer down': () => devnet.setOrdererReachable(false),
    'orderer up': () => devnet.setOrdererReachable(true),
  };
  let queue: Promise<void> = Promise.resolve();
  const run = (command: string) => {
    queue = queue.then(async () => {
      const action = commands[command];
      if (!action) {
        process.stdout.write(
          `DEVNET CONTROL error unknown command "${command}" (known: ${Object.keys(commands).join(', ')})\n`,
        );
        return;
      }
      try {
        await action();
        process.stdout.write(`DEVNET CONTROL ok ${command}\n`);
      } catch (err) {
        process.stdout.write(`DEVNET CONTROL error ${command}: ${(err as Error).message}\n`);
      }
    });
  };
  // stdin closing (a parent that gave none) must not stop the peer: only the lines matter.
  createInterface({ input: process.stdin }).on('line', (line) => {
    const command = line.trim().replace(/\s+/g, ' ');
    if (command !== '') run(command);
  });
  let chaincodesStopped = false;
  process.on('SIGUSR2', () => {
    chaincodesStopped = !chaincodesStopped;
    run(chaincodesStopped ? 'chaincodes stop' : 'chaincodes start');
  });
}

main().catch((err) => {
  process.stderr.write(`devnet: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
