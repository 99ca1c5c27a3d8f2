#!/usr/bin/env bash
# `npm test`: install deps, provision throw-away PostgreSQL + Redis (and chromium for the console tests), build, run
# tap, tear down.
# Works on a fresh Debian box (CI) and on a dev machine; safe to re-run. Extra args go to tap:
#   npm test -- tests/devnet
# Set DATABASE_URL / REDIS_URL yourself to test against existing servers instead of provisioning them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { echo "==> [test] $*"; }

# One suite per checkout at a time: services use fixed state dir + ports. flock -o keeps the lock in the
# flock process only, so the daemons we start don't inherit (and keep holding) it.
mkdir -p tmp
if [ -z "${HAINAN_TEST_LOCKED:-}" ]; then
  flock -n tmp/test.lock true || step "another test run holds tmp/test.lock; waiting (max 15 min)"
  HAINAN_TEST_LOCKED=1 exec flock -o -w 900 tmp/test.lock bash "$0" "$@"
fi
start=$SECONDS

# (a) dependencies: npm records what it installed in node_modules/.package-lock.json
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then step "npm ci"; npm ci --no-audit --no-fund; else step "npm install"; npm install --no-audit --no-fund; fi
else
  step "node_modules up to date"
fi

# (b) services: provision only what the caller didn't supply
want=()
if [ -z "${DATABASE_URL:-}" ]; then want+=(pg); else step "using DATABASE_URL from environment"; fi
if [ -z "${REDIS_URL:-}" ]; then want+=(redis); else step "using REDIS_URL from environment"; fi
if [ ${#want[@]} -gt 0 ]; then
  trap 'step "stopping services"; bash scripts/services.sh down || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  t0=$SECONDS
  step "provisioning ${want[*]}"
  bash scripts/services.sh up "${want[@]}"
  # shellcheck source=/dev/null
  source "${HAINAN_SERVICES_DIR:-tmp/services}/env" # exports DATABASE_URL / REDIS_URL, HAINAN_SERVICES_DIR, HAINAN_{PG,REDIS}_MANAGED
  step "services ready in $((SECONDS - t0))s: ${DATABASE_URL:-} ${REDIS_URL:-}"
fi

# (b2) the browser of the console tests (tests/console): Debian's chromium, installed with apt-get when absent
if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  step "chromium present"
else
  step "installing chromium"
  bash scripts/services.sh browser
fi

# (b3) one style for the whole repo: Biome checks format and lint (fails on a difference; `npm run format` fixes)
step "format and lint (biome ci)"
npx --no-install biome ci .

# (c) build
step "npm run build"
npm run build --silent

# (c2) the tests are type-checked like the code (tap's TypeScript plugin only transpiles them)
step "type check of the tests"
npx --no-install tsc -p tsconfig.tap.json --noEmit

# (d) tests; exit with tap's status (the EXIT trap still stops the services)
step "tap $*"
status=0
# tap's TypeScript plugin does not hand tsconfig.tap.json to ts-node on its own; without it tests compile
# to ES5, where loops over Sets and Maps silently run zero times (tests/infra/compile-target.test.ts).
TS_NODE_PROJECT="$PWD/tsconfig.tap.json" npx --no-install tap "$@" || status=$?
step "tap exited $status after $((SECONDS - start))s"
exit "$status"
