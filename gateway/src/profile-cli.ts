#!/usr/bin/env node
/**
 * `npm run profile -- ...` (bin `hainan-profile`): writes the gateway's connection profile from organisations' MSP
 * folders (profile-writer.ts; the format: deploy/connection-profile.md), then reads it back the way the gateway does,
 * so a profile it writes is one the gateway starts with.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readConnectionProfile } from './ledger/ledger-settings';
import {
  buildConnectionProfile,
  parseIdentityArgument,
  profileFolder,
  ProfileSourceError,
} from './ledger/profile-writer';

const USAGE = `usage: hainan-profile --peer-endpoint <host:port> --channel <name> --chaincode <name>
         --identity <name>=<MSP id>:<MSP folder>...   (one per signing identity; the customs MSP's is required)
         [--peer-host-alias <name in the peer's TLS certificate>] [--tls-ca <peer TLS CA PEM>]
         [--customs-msp CustomsMSP] [--out connection.json] [--absolute]
  Without --out the profile goes to stdout with absolute paths; with --out its paths are relative to the file's
  folder (the gateway resolves them from there) unless --absolute.`;

function fail(message: string, code: number): never {
  process.stderr.write(`hainan-profile: ${message}\n${code === 2 ? `${USAGE}\n` : ''}`);
  process.exit(code);
}

function main(): void {
  let values;
  try {
    values = parseArgs({
      options: {
        'peer-endpoint': { type: 'string' },
        'peer-host-alias': { type: 'string' },
        'tls-ca': { type: 'string' },
        channel: { type: 'string' },
        chaincode: { type: 'string' },
        identity: { type: 'string', multiple: true },
        'customs-msp': { type: 'string' },
        out: { type: 'string' },
        absolute: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err: unknown) {
    fail((err as Error).message, 2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const endpoint = values['peer-endpoint'];
  if (!endpoint || !/^[^\s:]+:\d{1,5}$/.test(endpoint)) fail('--peer-endpoint <host:port> is required', 2);
  if (!values.channel || !values.chaincode) fail('--channel and --chaincode are required', 2);
  if (!values.identity || values.identity.length === 0) fail('at least one --identity is required', 2);
  const customsMsp = values['customs-msp'] ?? 'CustomsMSP';
  const cwd = process.cwd();
  try {
    const identities = values.identity.map((value) => parseIdentityArgument(value, cwd));
    if (!identities.some((identity) => identity.mspId === customsMsp)) {
      // The projection follower and customs keys sign as the customs MSP: without it the gateway does not start.
      fail(
        `no identity of ${customsMsp}: the gateway signs customs requests and reads the ledger's events as it (add --identity customs=${customsMsp}:<MSP folder>)`,
        2,
      );
    }
    const profile = buildConnectionProfile(
      {
        peerEndpoint: endpoint,
        ...(values['peer-host-alias'] ? { peerHostAlias: values['peer-host-alias'] } : {}),
        ...(values['tls-ca'] ? { tlsCaCertPath: values['tls-ca'] } : {}),
        channel: values.channel,
        chaincode: values.chaincode,
        identities,
      },
      values.out && !values.absolute ? profileFolder(values.out) : undefined,
    );
    const json = `${JSON.stringify(profile, null, 2)}\n`;
    if (!values.out) {
      process.stdout.write(json);
      return;
    }
    writeFileSync(values.out, json, { mode: 0o644 });
    const { problems } = readConnectionProfile(values.out);
    if (problems.length > 0) fail(`${values.out} does not read back: ${problems.join('; ')}`, 1);
    process.stderr.write(
      `hainan-profile: wrote ${values.out} (${identities.length} identities; FABRIC_CONNECTION_PROFILE=${values.out})\n`,
    );
  } catch (err: unknown) {
    if (err instanceof ProfileSourceError) fail(err.message, 1);
    throw err;
  }
}

main();
