#!/bin/sh
#
# Starts the traceability chaincode as a chaincode-as-a-service server (the container's entrypoint).
#
# fabric-chaincode-node only reads CORE_* variables from the environment, so the CCaaS settings are turned
# into its command-line flags here. Fails fast on anything missing rather than starting a server the peer
# cannot use.
#
# Required:
#   CHAINCODE_SERVER_ADDRESS  listen address, e.g. 0.0.0.0:9999
#   CHAINCODE_ID              the package id printed by `peer lifecycle chaincode install` (<label>:<sha256>);
#                             the peer rejects a server that registers under any other id
#   CORE_PEER_LOCALMSPID      MSP id of the peer's organisation; without it getMspID() and implicit
#                             private data collections fail inside the chaincode
# Optional TLS (all PEM files):
#   CHAINCODE_TLS_CERT_FILE, CHAINCODE_TLS_KEY_FILE   server certificate and key (both, or neither)
#   CHAINCODE_TLS_CLIENT_CACERT_FILE                  CA of the peer's client certificate => require mutual TLS
set -eu

need() {
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    echo "chaincode-entrypoint: $1 must be set" >&2
    exit 2
  fi
}

need CHAINCODE_SERVER_ADDRESS
need CHAINCODE_ID
need CORE_PEER_LOCALMSPID

set -- \
  --chaincode-address="$CHAINCODE_SERVER_ADDRESS" \
  --chaincode-id="$CHAINCODE_ID" \
  --module-path="${CHAINCODE_MODULE_PATH:-/app/chaincode}" \
  "$@"

if [ -n "${CHAINCODE_TLS_CERT_FILE:-}" ] || [ -n "${CHAINCODE_TLS_KEY_FILE:-}" ]; then
  need CHAINCODE_TLS_CERT_FILE
  need CHAINCODE_TLS_KEY_FILE
  set -- "$@" --chaincode-tls-cert-file="$CHAINCODE_TLS_CERT_FILE" --chaincode-tls-key-file="$CHAINCODE_TLS_KEY_FILE"
  if [ -n "${CHAINCODE_TLS_CLIENT_CACERT_FILE:-}" ]; then
    set -- "$@" --chaincode-tls-client-cacert-file="$CHAINCODE_TLS_CLIENT_CACERT_FILE"
  fi
fi

exec node "${FABRIC_SHIM_CLI:-/app/node_modules/fabric-shim/cli.js}" server "$@"
