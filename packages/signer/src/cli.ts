#!/usr/bin/env node
/**
 * `hainan-sign`: sign a digest of the gateway's bring-your-own-key flow with a key that never leaves the enterprise.
 *
 *   hainan-sign --key enterprise-key.pem <digest (base64)>      prints the signature (base64, DER, low-S)
 *   echo <digest> | hainan-sign --key enterprise-key.pem          the digest may come on standard input
 *
 * An ERP calls it twice per transaction: once with the `digest` of the prepared proposal, once with the `digest` of
 * the endorsed transaction (see the gateway README). Exit codes: 0 signed, 2 bad usage or input (the reason on
 * standard error, with its code).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SigningError, signDigest } from './index';

const USAGE = 'usage: hainan-sign --key <private key PEM file> [<digest as base64>]   (digest on stdin when omitted)';

/** Longest digest input read from stdin (a base64 SHA-256 digest is 44 characters). */
const MAX_INPUT_CHARS = 1_024;

function fail(message: string): never {
  process.stderr.write(`hainan-sign: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function main(): void {
  let parsed: ReturnType<
    typeof parseArgs<{ options: { key: { type: 'string' }; help: { type: 'boolean' } }; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ options: { key: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
  } catch (err) {
    fail((err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const keyFile = parsed.values.key;
  if (keyFile === undefined) fail('--key is required');
  const text = (parsed.positionals[0] ?? readFileSync(0, 'utf8').slice(0, MAX_INPUT_CHARS)).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) fail('DIGEST_INVALID: the digest must be base64');
  let pem: Buffer;
  try {
    pem = readFileSync(keyFile);
  } catch (err) {
    fail(`KEY_UNREADABLE: ${(err as Error).message}`);
  }
  try {
    process.stdout.write(`${Buffer.from(signDigest(pem, Buffer.from(text, 'base64'))).toString('base64')}\n`);
  } catch (err) {
    if (err instanceof SigningError) fail(`${err.code}: ${err.message}`);
    throw err;
  }
}

main();
