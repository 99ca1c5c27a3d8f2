#!/usr/bin/env bash
#
# Builds a Fabric 2.5 chaincode-as-a-service ("ccaas") install package.
#
# A ccaas package holds no code: the peer's built-in ccaas_builder reads connection.json and dials the
# chaincode server at that address. Layout (what `peer lifecycle chaincode install` expects):
#
#   <label>.tar.gz
#   ├── metadata.json      {"type":"ccaas","label":"<label>"}
#   └── code.tar.gz
#       └── connection.json  {"address", "dial_timeout", "tls_required", ["client_auth_required",
#                             "root_cert", "client_cert", "client_key"]}
#
# `peer lifecycle chaincode package` only packages golang/java/node source, so this script builds the tar
# files itself, as fabric-samples test-network/scripts/deployCCAAS.sh does.
#
# Usage:
#   deploy/package-ccaas.sh LABEL ADDRESS [ROOT_CERT_PEM [CLIENT_CERT_PEM CLIENT_KEY_PEM]]
#
#   LABEL            package label, e.g. traceability_0.1.0 (letters, digits, then also _ . + -)
#   ADDRESS          host:port where the peer dials the chaincode server, e.g. traceability-cc.org1:9999.
#                    May be a Go template such as {{.peername}}_traceability:9999, filled by the builder
#                    from CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG on the peer.
#   ROOT_CERT_PEM    CA certificate that signed the chaincode server's TLS certificate. Given => tls_required.
#   CLIENT_CERT_PEM, CLIENT_KEY_PEM
#                    TLS client certificate and key the PEER presents to the chaincode server. Given =>
#                    client_auth_required (start the server with --chaincode-tls-client-cacert-file).
#                    The key is then stored inside the package: treat the package as a secret.
#
# Environment:
#   DIAL_TIMEOUT     connection.json dial_timeout (default 10s)
#   OUT_DIR          where to write <label>.tar.gz (default: current directory)
#
# Prints the package id (<label>:<sha256 of the package file>), the same value
# `peer lifecycle chaincode calculatepackageid` and `peer lifecycle chaincode install` report.
# On GNU tar the archive is reproducible (fixed order, owner and mtime), so the same inputs give the same id.

set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: package-ccaas.sh LABEL ADDRESS [ROOT_CERT_PEM [CLIENT_CERT_PEM CLIENT_KEY_PEM]]
  env: DIAL_TIMEOUT (default 10s), OUT_DIR (default .)
  prints the package id <label>:<sha256>; see the comment at the top of this script
USAGE
  exit 2
}

die() {
  echo "package-ccaas: $*" >&2
  exit 1
}

# JSON string literal from a shell string (PEM text, an address): escapes \ " and newlines, drops CR.
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\r'/}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  printf '"%s"' "$s"
}

# JSON string literal holding a PEM file's content, with its final newline.
json_pem_file() {
  local file=$1 what=$2
  [[ -r $file ]] || die "$what file not readable: $file"
  grep -q -- '-----BEGIN ' "$file" || die "$what file is not PEM: $file"
  json_string "$(cat "$file")"$'\n'
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# Reproducible tar+gzip when GNU tar is available; plain tar otherwise.
tar_gz() {
  local dir=$1 out=$2
  shift 2
  if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' -cf - "$@" | gzip -n -9 >"$out"
  else
    tar -C "$dir" -cf - "$@" | gzip -n -9 >"$out"
  fi
}

[[ $# -eq 2 || $# -eq 3 || $# -eq 5 ]] || usage
label=$1
address=$2
root_cert=${3:-}
client_cert=${4:-}
client_key=${5:-}
dial_timeout=${DIAL_TIMEOUT:-10s}
out_dir=${OUT_DIR:-.}

# Fabric refuses labels outside this pattern at install time; fail here with a clearer message.
[[ $label =~ ^[[:alnum:]][[:alnum:]_.+-]*$ ]] || die "label must match ^[[:alnum:]][[:alnum:]_.+-]*\$, got '$label'"
[[ $address == *:* ]] || die "address must be host:port, got '$address'"
[[ $dial_timeout =~ ^[0-9]+(ms|s|m)$ ]] || die "DIAL_TIMEOUT must be a Go duration such as 10s, got '$dial_timeout'"
[[ -d $out_dir ]] || die "OUT_DIR is not a directory: $out_dir"

work=$(mktemp -d "${TMPDIR:-/tmp}/package-ccaas.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/pkg"

{
  printf '{\n'
  printf '  "address": %s,\n' "$(json_string "$address")"
  printf '  "dial_timeout": %s,\n' "$(json_string "$dial_timeout")"
  if [[ -z $root_cert ]]; then
    printf '  "tls_required": false\n'
  else
    printf '  "tls_required": true,\n'
    if [[ -n $client_cert ]]; then
      printf '  "client_auth_required": true,\n'
      printf '  "client_cert": %s,\n' "$(json_pem_file "$client_cert" 'client certificate')"
      printf '  "client_key": %s,\n' "$(json_pem_file "$client_key" 'client key')"
    else
      printf '  "client_auth_required": false,\n'
    fi
    printf '  "root_cert": %s\n' "$(json_pem_file "$root_cert" 'root certificate')"
  fi
  printf '}\n'
} >"$work/src/connection.json"

printf '{"type":"ccaas","label":%s}\n' "$(json_string "$label")" >"$work/pkg/metadata.json"

tar_gz "$work/src" "$work/pkg/code.tar.gz" connection.json
package="$out_dir/$label.tar.gz"
tar_gz "$work/pkg" "$package" metadata.json code.tar.gz

# Check the layout the peer will read: exactly these entries, at the top level.
outer=$(tar -tzf "$package" | sort | tr '\n' ' ')
[[ $outer == 'code.tar.gz metadata.json ' ]] || die "unexpected package entries: $outer"
inner=$(tar -xzOf "$package" code.tar.gz | tar -tzf - | tr '\n' ' ')
[[ $inner == 'connection.json ' ]] || die "unexpected code.tar.gz entries: $inner"

echo "package: $package" >&2
echo "$label:$(sha256_of "$package")"
