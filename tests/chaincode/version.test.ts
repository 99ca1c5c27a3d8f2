// Proves the version the chaincode reports from system:GetVersion matches the package that is deployed.
// How: compares the compiled-in constants with chaincode/package.json.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAINCODE_NAME, CHAINCODE_VERSION } from '../../chaincode/src/version';

t.test('CHAINCODE_NAME and CHAINCODE_VERSION equal package.json', async (t) => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../chaincode/package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  t.equal(CHAINCODE_NAME, pkg.name);
  t.equal(CHAINCODE_VERSION, pkg.version);
});
