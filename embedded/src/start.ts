#!/usr/bin/env node
/**
 * `npm start`: the gateway on the embedded default. Whatever the configuration leaves unset — the database, the
 * ledger — is started in this process (infrastructure.ts: an embedded PostgreSQL, the dev peer with the project's
 * chaincode), then the production gateway's own start sequence runs on it (`runGatewayProcess` of @hainan/gateway).
 * A failed start stops both servers and prints one line; SIGINT/SIGTERM stop the gateway, then the dev peer, then
 * PostgreSQL.
 */
import { runGatewayProcess } from '@hainan/gateway';
import { embeddedOptions, provideInfrastructure, type EmbeddedOptions } from './infrastructure';

function optionsOrExit(): EmbeddedOptions {
  try {
    return embeddedOptions();
  } catch (err: unknown) {
    process.stderr.write(`gateway: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

const options = optionsOrExit();
void runGatewayProcess((config, log) => provideInfrastructure(config, log, options));
