/**
 * Test helpers for the dev peer: run it as a child process (so tests can `kill -9` it), wait for its
 * READY line, and connect the official @hyperledger/fabric-gateway client with one of its identities.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, Gateway, hash, Identity, Signer, signers } from '@hyperledger/fabric-gateway';
import type { ConnectionProfile } from '@hainan/devnet';

/** Repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** The probe chaincodes that mirror the behaviours recorded from a real peer. */
export const PROBE_CHAINCODE_DIR = join(REPO_ROOT, 'tests', 'fixtures', 'probe-chaincode');
export const PROBE_RAW_CHAINCODE_SCRIPT = join(REPO_ROOT, 'tests', 'fixtures', 'probe-raw-chaincode', 'server.js');

/** connection.json as the dev peer writes it. */
export type DevnetProfile = ConnectionProfile;

/** A dev peer running as a child process. */
export interface DevnetProcess {
  dataDir: string;
  profile: DevnetProfile;
  child: ChildProcess;
  /** stderr so far (for diagnostics). */
  logs(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill9(): Promise<void>;
  /** Stop the chaincode servers (the peer keeps running and answers with a launch failure); resolves when done. */
  stopChaincodes(): Promise<void>;
  /** Start them again; resolves once every one has registered with the peer. */
  startChaincodes(): Promise<void>;
  /** Make submits fail as with an unreachable orderer (false), or work again (true). */
  setOrdererReachable(reachable: boolean): Promise<void>;
}

/** Options for startDevnetProcess. */
export interface StartOptions {
  dataDir?: string;
  /** Extra CLI args, e.g. ['--chaincode', 'probe=...']. */
  args?: string[];
  /** Most time to wait for READY. */
  readyTimeoutMs?: number;
}

/** Default chaincode args for fidelity tests: the contract probe and the low-level probe. */
export function probeChaincodeArgs(): string[] {
  return [
    '--chaincode',
    `probe=${PROBE_CHAINCODE_DIR}`,
    '--chaincode-script',
    `proberaw=${PROBE_RAW_CHAINCODE_SCRIPT}`,
    '--collection',
    'probe:buyerDetails',
  ];
}

/** Starts `node devnet/dist/cli.js` on a free port and resolves once it prints READY. */
export async function startDevnetProcess(options: StartOptions = {}): Promise<DevnetProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'devnet-')));
  const cli = join(REPO_ROOT, 'devnet', 'dist', 'cli.js');
  // DEVNET_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the dev peer process.
  const nodeArgs = process.env.DEVNET_NODE_ARGS?.split(' ').filter((a) => a.length > 0) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, cli, '--data', dataDir, '--port', '0', ...(options.args ?? [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Control commands (devnet/src/cli.ts) go in on stdin; each is acknowledged by a `DEVNET CONTROL` line.
  let stdoutSoFar = '';
  child.stdout?.on('data', (d: Buffer) => (stdoutSoFar += d.toString()));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const profilePath = await new Promise<string>((resolveReady, reject) => {
    let stdout = '';
    const timer = setTimeout(
      () => reject(new Error(`devnet not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${stderr}`)),
      options.readyTimeoutMs ?? 60_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /DEVNET READY (\{.*\})/.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveReady((JSON.parse(m[1]) as { connectionProfile: string }).connectionProfile);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devnet exited with ${code} before READY:\n${stderr}`));
    });
  });
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as DevnetProfile;
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };
  // One command at a time, so the n-th acknowledgement belongs to the n-th command.
  let controlQueue: Promise<unknown> = Promise.resolve();
  const control = (command: string): Promise<void> => {
    const next = controlQueue.then(() => sendControl(command));
    controlQueue = next.catch(() => undefined);
    return next;
  };
  const sendControl = async (command: string): Promise<void> => {
    const acks = () => [...stdoutSoFar.matchAll(/^DEVNET CONTROL (ok|error) (.*)$/gm)];
    const before = acks().length;
    child.stdin?.write(`${command}\n`);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const all = acks();
      if (all.length > before) {
        const ack = all[before]!;
        if (ack[1] !== 'ok') throw new Error(`devnet refused "${command}": ${ack[2]}`);
        return;
      }
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`devnet did not acknowledge "${command}":\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    dataDir,
    profile,
    child,
    logs: () => stderr,
    stop: () => waitExit('SIGTERM'),
    kill9: () => waitExit('SIGKILL'),
    stopChaincodes: () => control('chaincodes stop'),
    startChaincodes: () => control('chaincodes start'),
    setOrdererReachable: (reachable) => control(reachable ? 'orderer up' : 'orderer down'),
  };
}

/** A gRPC connection to the dev peer (TLS when the profile has a CA). */
export function newGrpcClient(profile: DevnetProfile): grpc.Client {
  const creds = profile.tlsCACertPath
    ? grpc.credentials.createSsl(readFileSync(profile.tlsCACertPath))
    : grpc.credentials.createInsecure();
  return new grpc.Client(
    profile.peerEndpoint,
    creds,
    profile.tlsCACertPath ? { 'grpc.ssl_target_name_override': profile.peerHostAlias } : {},
  );
}

/** Identity + signer of a named identity in the profile. */
export function identityOf(profile: DevnetProfile, name: string): { identity: Identity; signer: Signer } {
  const files = profile.identities[name];
  if (!files) throw new Error(`no identity ${name} in connection profile`);
  return {
    identity: { mspId: files.mspId, credentials: readFileSync(files.certPath) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(files.keyPath))),
  };
}

/** Connects the official client as `identityName` (default customs-admin). */
export function connectGateway(
  profile: DevnetProfile,
  identityName = 'customs-admin',
  client = newGrpcClient(profile),
): Gateway & { grpcClient: grpc.Client } {
  const { identity, signer } = identityOf(profile, identityName);
  const gw = connect({
    client,
    identity,
    signer,
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 40_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 40_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return Object.assign(gw, { grpcClient: client });
}
