/**
 * Child-process entry that hosts one chaincode server for the dev peer. It exits when the dev peer goes
 * away (IPC disconnect, including after a `kill -9` of the peer), so no orphan chaincode keeps a port.
 *   node chaincode-host.js contract <fabric-chaincode-node server options...>   (fabric-contract-api module)
 *   node chaincode-host.js script <path-to-server.js>                           (low-level shim server)
 */
import { resolve } from 'node:path';

process.on('disconnect', () => process.exit(0));
// An orderly exit on SIGTERM (the dev peer's stop), so exit hooks such as --cpu-prof still run.
process.on('SIGTERM', () => process.exit(0));

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'contract') {
  // The official CLI reads its options from process.argv (yargs).
  process.argv = [process.argv[0] ?? 'node', 'fabric-chaincode-node', 'server', ...rest];
  require('fabric-shim/cli.js');
} else if (mode === 'script' && rest[0]) {
  require(resolve(rest[0]));
} else {
  process.stderr.write('usage: chaincode-host.js contract <options> | script <server.js>\n');
  process.exit(2);
}
