# The production gateway (gateway/dist/server.js): HTTP API, web console, capture workers, projection follower.
# It starts no servers of its own: PostgreSQL, Redis and the Fabric network are given by its settings
# (deploy/gateway.md lists every one). The dev peer and the embedded PostgreSQL of `npm start` are not in it.
#
# Build from the repository root (the gateway is an npm workspace and shares the root lockfile):
#   docker build -f deploy/gateway.Dockerfile -t hainan/gateway:0.1.0 .
# Run (see deploy/compose.yaml for the whole stack):
#   docker run -d --name gateway -p 8080:8080 \
#     -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -e PERSON_CODE_SECRET=... -e IDENTITY_KEY_ENCRYPTION_KEY_FILE=/run/secrets/kek \
#     -e FABRIC_CONNECTION_PROFILE=/etc/hainan/connection.json -v /srv/hainan/fabric:/etc/hainan:ro \
#     hainan/gateway:0.1.0

# ---- build: compile the gateway, its workspace libraries and the web console --------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
# Every workspace manifest must be present for `npm ci` to accept the root lockfile
# (tests/deploy/dockerfiles.test.ts checks this list against the root package.json).
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
# The root's dev dependencies (TypeScript, Vite) build; the gateway's own dependencies type-check.
RUN npm ci --workspace gateway --include-workspace-root --ignore-scripts
# tsc -b follows the gateway's project references: ledger-model, epc-decoders, signer.
COPY packages/ledger-model/tsconfig.json packages/ledger-model/
COPY packages/ledger-model/src packages/ledger-model/src
COPY packages/epc-decoders/tsconfig.json packages/epc-decoders/
COPY packages/epc-decoders/src packages/epc-decoders/src
COPY packages/signer/tsconfig.json packages/signer/
COPY packages/signer/src packages/signer/src
COPY gateway/tsconfig.json gateway/
COPY gateway/src gateway/src
COPY gateway/console gateway/console
RUN npx tsc -b gateway \
 && npx tsc -p gateway/console \
 && npx vite build --config gateway/console/vite.config.mts

# ---- runtime: production dependencies and compiled JavaScript only -----------------------------------------
FROM node:20-bookworm-slim AS runtime
# tini as PID 1: node as PID 1 ignores SIGTERM, so `docker stop` would wait for the kill timeout instead of the
# gateway's graceful shutdown (stop HTTP, drain the queue, close Fabric, Redis, PostgreSQL).
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
# The gateway's production tree only: no dev peer, no embedded PostgreSQL, no scanner agent
# (tests/infra/production-dependencies.test.ts).
RUN npm ci --workspace gateway --omit=dev --ignore-scripts && npm cache clean --force
# npm ci linked node_modules/@hainan/* to the workspace folders: give the gateway's libraries their builds.
COPY --from=build /src/packages/ledger-model/dist packages/ledger-model/dist
COPY --from=build /src/packages/epc-decoders/dist packages/epc-decoders/dist
COPY --from=build /src/packages/signer/dist packages/signer/dist
COPY --from=build /src/gateway/dist gateway/dist
# The schema migrations the gateway applies at start (found by walking up from gateway/dist to db/migrations).
COPY db/migrations db/migrations

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
EXPOSE 8080
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "gateway/dist/server.js"]
