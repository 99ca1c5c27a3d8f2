/**
 * Starts a chaincode-as-a-service server as a child process on a free loopback port (the official
 * `fabric-chaincode-node server` CLI for contract modules, or a low-level shim script), logs its output to a
 * file, and restarts it with bounded backoff if it dies while the dev peer runs.
 */
import { ChildProcess, fork } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** How a chaincode server is run. */
export type ChaincodeLaunch = { kind: 'contract'; modulePath: string } | { kind: 'script'; script: string };

/** Most restarts of a crashed chaincode server before the dev peer gives up on it. */
export const MAX_RESTARTS = 5;

/** A free TCP port on loopback. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A supervised chaincode server process. */
export class ChaincodeProcess {
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  #paused = false;

  private constructor(
    readonly name: string,
    readonly address: string,
    private readonly launch: ChaincodeLaunch,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  /** Starts the server; `mspId` becomes CORE_PEER_LOCALMSPID (a CCaaS chaincode gets no env from the peer). */
  static async start(name: string, launch: ChaincodeLaunch, mspId: string, logDir: string): Promise<ChaincodeProcess> {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const ccid = `${name}:devnet`;
    // fabric-shim logs every transaction at info level through winston; warning keeps the log useful and the
    // chaincode's CPU for the chaincode (override with CORE_CHAINCODE_LOGGING_LEVEL).
    const env = {
      CORE_CHAINCODE_LOGGING_LEVEL: 'warning',
      ...process.env,
      CORE_PEER_LOCALMSPID: mspId,
      CHAINCODE_SERVER_ADDRESS: address,
      CHAINCODE_ID: ccid,
    };
    mkdirSync(logDir, { recursive: true });
    const p = new ChaincodeProcess(name, address, launch, env, join(logDir, `chaincode-${name}.log`));
    p.#spawn();
    return p;
  }

  #spawn(): void {
    const host = join(__dirname, 'chaincode-host.js');
    const args =
      this.launch.kind === 'contract'
        ? [
            'contract',
            `--chaincode-address=${this.address}`,
            `--chaincode-id=${this.env.CHAINCODE_ID}`,
            `--module-path=${this.launch.modulePath}`,
          ]
        : ['script', this.launch.script];
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = fork(host, args, {
      cwd: this.launch.kind === 'contract' ? this.launch.modulePath : dirname(this.launch.script),
      env: this.env,
      // DEVNET_CHAINCODE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the chaincode process.
      execArgv: process.env.DEVNET_CHAINCODE_NODE_ARGS?.split(' ').filter((a) => a.length > 0) ?? process.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.on('exit', () => {
      this.#child = undefined;
      if (this.#stopping || this.#paused || this.#restarts >= MAX_RESTARTS) return;
      this.#restarts++;
      setTimeout(
        () => {
          if (!this.#stopping && !this.#paused && !this.#child) this.#spawn();
        },
        200 * 2 ** this.#restarts,
      ).unref();
    });
    this.#child = child;
  }

  /** Whether the server is stopped on purpose by {@link pause} (an administrator stopped the chaincode server). */
  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Stops the server as an administrator stopping a CCaaS container would: no restart until {@link resume}. The peer
   * keeps the chaincode defined and answers proposals with its launch failure meanwhile.
   */
  async pause(): Promise<void> {
    if (this.#stopping || this.#paused) return;
    this.#paused = true;
    await this.#terminate();
  }

  /** Starts the server again on the same address after {@link pause}, with a fresh restart budget. */
  resume(): void {
    if (this.#stopping || !this.#paused) return;
    this.#paused = false;
    this.#restarts = 0;
    if (!this.#child) this.#spawn();
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#terminate();
  }

  async #terminate(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
