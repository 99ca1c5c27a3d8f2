// The real scanner-agent CLI as a child process, for the crash and end-to-end tests.
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'scanner-agent', 'src', 'cli.ts');
const TS_NODE = require.resolve('@isaacs/ts-node-temp-fork-for-pr-2009/register/transpile-only', { paths: [ROOT] });

/** A running agent. */
export interface AgentProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Resolves with the first `--json` progress line that satisfies `test`. */
  progress(test: (p: { reads: number; spooledBatches: number }) => boolean): Promise<void>;
  stderr(): string;
}

/**
 * Starts `scanner-agent <args> --json` against a gateway.
 *
 * @param gateway - Its URL and the API key the agent uses.
 * @param args - CLI arguments.
 */
export function startAgent(gateway: { url: string; apiKey: string }, args: string[]): AgentProcess {
  // The CLI runs from source through ts-node's require hook. It is started with -e rather than as the
  // main script because tap's process tracking adds ESM loader hooks to child node processes, and those
  // would load a .ts main script as ESM.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SCANNER_GATEWAY_URL: gateway.url,
    SCANNER_API_KEY: gateway.apiKey,
    TS_NODE_PROJECT: join(ROOT, 'tsconfig.tap.json'),
    TS_NODE_TRANSPILE_ONLY: '1',
  };
  const launch = `require(${JSON.stringify(TS_NODE)}); require(${JSON.stringify(CLI)}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; });`;
  const child = spawn(process.execPath, ['-e', launch, ...args, '--json'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers: { test: (p: { reads: number; spooledBatches: number }) => boolean; resolve: () => void }[] = [];
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop() ?? '';
    for (const line of lines) {
      const msg = JSON.parse(line) as { type: string; reads: number; spooledBatches: number };
      if (msg.type !== 'progress') continue;
      for (const w of watchers.splice(0)) {
        if (w.test(msg)) w.resolve();
        else watchers.push(w);
      }
    }
  });
  return {
    child,
    exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))),
    progress: (test) => new Promise<void>((r) => watchers.push({ test, resolve: r })),
    stderr: () => err,
  };
}
