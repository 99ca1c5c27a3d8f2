# Chaincode-as-a-service image for the traceability chaincode.
#
# Build from the repository root (the chaincode is an npm workspace and shares the root lockfile):
#   docker build -f deploy/chaincode.Dockerfile -t hainan/traceability-cc:0.1.0 .
# Run next to the peer (one container per peer org; see deploy/README.md):
#   docker run -d --name traceability-cc.customs -p 9999:9999 \
#     -e CHAINCODE_SERVER_ADDRESS=0.0.0.0:9999 \
#     -e CHAINCODE_ID=traceability_0.1.0:<sha256 from install> \
#     -e CORE_PEER_LOCALMSPID=CustomsMSP \
#     hainan/traceability-cc:0.1.0

# ---- build: compile TypeScript with the workspace's pinned toolchain --------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
# Every workspace manifest must be present for `npm ci` to accept the root lockfile.
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/ledger-model/package.json packages/ledger-model/
COPY packages/epc-decoders/package.json packages/epc-decoders/
COPY packages/signer/package.json packages/signer/
COPY chaincode/package.json chaincode/
COPY devnet/package.json devnet/
COPY gateway/package.json gateway/
COPY embedded/package.json embedded/
COPY scanner-agent/package.json scanner-agent/
COPY testkit/package.json testkit/
RUN npm ci --workspace chaincode --include-workspace-root --ignore-scripts
# The chaincode's request rules live in the ledger-model workspace; `tsc -b` builds it first (project reference).
COPY packages/ledger-model/tsconfig.json packages/ledger-model/
COPY packages/ledger-model/src packages/ledger-model/src
COPY chaincode/tsconfig.json chaincode/
COPY chaincode/src chaincode/src
RUN npx tsc -b chaincode

# ---- runtime: production dependencies and compiled JavaScript only -----------------------------------------
FROM node:20-bookworm-slim AS runtime
# tini as PID 1: node as PID 1 ignores SIGTERM, so `docker stop` would wait for the kill timeout.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/ledger-model/package.json packages/ledger-model/
COPY packages/epc-decoders/package.json packages/epc-decoders/
COPY packages/signer/package.json packages/signer/
COPY chaincode/package.json chaincode/
COPY devnet/package.json devnet/
COPY gateway/package.json gateway/
COPY embedded/package.json embedded/
COPY scanner-agent/package.json scanner-agent/
COPY testkit/package.json testkit/
# Installs exactly the lockfile's versions (class-transformer stays at 0.4.0: 0.4.1 lacks classToPlain).
RUN npm ci --workspace chaincode --omit=dev --ignore-scripts && npm cache clean --force
# npm ci linked node_modules/@hainan/ledger-model to packages/ledger-model (a workspace dependency): give it its build.
COPY --from=build /src/packages/ledger-model/dist packages/ledger-model/dist
COPY --from=build /src/chaincode/dist chaincode/dist
COPY deploy/chaincode-entrypoint.sh /usr/local/bin/chaincode-entrypoint

ENV NODE_ENV=production \
    CHAINCODE_SERVER_ADDRESS=0.0.0.0:9999 \
    CHAINCODE_MODULE_PATH=/app/chaincode \
    FABRIC_SHIM_CLI=/app/node_modules/fabric-shim/cli.js
EXPOSE 9999
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/chaincode-entrypoint"]
