#!/usr/bin/env bash
# Private, throw-away PostgreSQL + Redis for the test suite.
#
#   scripts/services.sh up [pg] [redis]   install if absent, start FRESH instances (default: both)
#   scripts/services.sh down              stop whatever this state dir runs (data is discarded on next `up`)
#   scripts/services.sh restart-pg        stop + start the same Postgres, data kept
#   scripts/services.sh restart-redis     stop + start the same Redis, data kept (SHUTDOWN SAVE -> dump.rdb)
#   scripts/services.sh status            show what runs and the env file
#   scripts/services.sh browser           install Debian's chromium (+ a CJK font) if absent, for tests/console
#
# Servers listen on 127.0.0.1 only, on non-default ports (55432 / 56379, or the next free one) so they
# never clash with a system postgres/redis. State lives in $HAINAN_SERVICES_DIR (default ./tmp/services);
# `up` writes $STATE/env with the `export` lines the tests need (scripts/test.sh sources it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${HAINAN_SERVICES_DIR:-$ROOT/tmp/services}"
mkdir -p "$STATE"; STATE="$(cd "$STATE" && pwd)"
cd / # commands run as the postgres user must not start in a cwd it cannot read (e.g. a repo under /root)
DB_NAME=traceability_test
TRIES=60 # every wait loop: at most TRIES x 0.5s

log() { echo "[services] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# root cannot run postgres; apt needs root. Non-root developers run postgres as themselves and apt via sudo.
SUDO=""; AS_PG=()
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); elif command -v sudo >/dev/null; then SUDO=sudo; fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

APT_UPDATED=""
apt_install() { # apt-get update only once per invocation, and only if something is missing
  command -v apt-get >/dev/null || die "missing $*, and no apt-get to install it; install it or set DATABASE_URL/REDIS_URL"
  # env (not a prefix assignment) so the variable survives sudo; bounded wait if another apt/dpkg holds the lock
  local apt=($SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120)
  if [ -z "$APT_UPDATED" ]; then log "apt-get update"; "${apt[@]}" update -qq >&2; APT_UPDATED=1; fi
  log "installing $* (apt)"
  "${apt[@]}" install -y -qq --no-install-recommends "$@" >&2
}

ensure_installed() {
  local want=("$@") pkgs=()
  [[ " ${want[*]} " == *" pg "* ]] && { [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || pkgs+=(postgresql); }
  [[ " ${want[*]} " == *" redis "* ]] && { command -v redis-server >/dev/null && command -v redis-cli >/dev/null || pkgs+=(redis-server); }
  if [ ${#pkgs[@]} -gt 0 ]; then apt_install "${pkgs[@]}"; fi
  return 0
}

# Busy = something listens there, or any socket holds it as its local port: 55432.. lie in Linux's ephemeral range,
# so a client connection (even in TIME_WAIT) may own the port a server is about to bind.
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
  awk -v p="$(printf ':%04X' "$1")" 'substr($2, length($2) - 4) == p { found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
pick_port() { # first free port from $1 upwards, so a second checkout / foreign server doesn't break us
  local p
  for p in $(seq "$1" $(( $1 + 20 ))); do port_busy "$p" || { echo "$p"; return; }; done
  die "no free port in $1..$(( $1 + 20 ))"
}
wait_for() { # wait_for <what> <command...>: bounded readiness poll
  local what="$1" i; shift
  for i in $(seq "$TRIES"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what not ready after $TRIES tries (logs in $STATE)"
}

# ---------- PostgreSQL ----------
pg_data() { cat "$STATE/pg.datadir" 2>/dev/null || true; }
pg_running() { local d; d="$(pg_data)"; [ -n "$d" ] && [ -f "$d/postmaster.pid" ] && "${AS_PG[@]}" "$(pg_bin)/pg_ctl" status -D "$d" >/dev/null 2>&1; }

pg_start() { # server.log lives in the data dir: the only place the postgres user can surely write
  local port; port="$(cat "$STATE/pg.port")"
  "${AS_PG[@]}" "$(pg_bin)/pg_ctl" start -D "$(pg_data)" -l "$(pg_data)/server.log" -w -t 30 >&2 \
    || { tail -20 "$(pg_data)/server.log" >&2 || true; die "postgres failed to start"; }
  wait_for "postgres on :$port" "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port"
}
pg_stop() { # fast = clean shutdown (checkpoint), so data survives restart-pg
  pg_running || return 0
  "${AS_PG[@]}" "$(pg_bin)/pg_ctl" stop -D "$(pg_data)" -m fast -w -t 30 >&2
}

pg_up() {
  pg_stop; rm -rf "$(pg_data)" "$STATE/pg" "$STATE"/pg.*
  local data="$STATE/pg"
  mkdir -p "$data"
  if [ ${#AS_PG[@]} -gt 0 ]; then
    chown postgres: "$data"
    # a repo under /root (mode 700) is not reachable by the postgres user: use a private dir in /tmp instead
    if ! "${AS_PG[@]}" test -w "$data"; then rmdir "$data"; data="$(mktemp -d /tmp/hainan-test-pg.XXXXXX)"; chown postgres: "$data"; fi
  fi
  echo "$data" >"$STATE/pg.datadir"
  pick_port 55432 >"$STATE/pg.port"
  log "initdb $data (postgres $(basename "$(dirname "$(pg_bin)")"))"
  "${AS_PG[@]}" "$(pg_bin)/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$STATE/pg.initdb.log" 2>&1 \
    || { cat "$STATE/pg.initdb.log" >&2; die "initdb failed"; }
  # TCP on loopback only, no unix socket (/var/run/postgresql may not exist; socket paths have a length limit).
  # Throw-away cluster: durability off for speed (a clean `pg_ctl stop` still flushes everything).
  printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $(cat "$STATE/pg.port")" "unix_socket_directories = ''" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off" >>"$data/postgresql.conf"
  pg_start
  "$(pg_bin)/createdb" -h 127.0.0.1 -p "$(cat "$STATE/pg.port")" -U postgres "$DB_NAME"
  log "postgres ready on 127.0.0.1:$(cat "$STATE/pg.port")"
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$(cat "$STATE/pg.port")/$DB_NAME HAINAN_PG_MANAGED=1" >>"$STATE/env"
}
pg_down() { pg_stop; local d; d="$(pg_data)"; [[ "$d" == /tmp/hainan-test-pg.* ]] && rm -rf "$d"; return 0; }

# ---------- Redis ----------
redis_port() { cat "$STATE/redis.port"; }
redis_pid() { cat "$STATE/redis/redis.pid" 2>/dev/null || true; }
redis_running() { local p; p="$(redis_pid)"; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

redis_start() {
  local port; port="$(redis_port)"
  # no periodic snapshots / AOF (throw-away); restart-redis saves once on shutdown so data is kept
  redis-server --bind 127.0.0.1 --port "$port" --dir "$STATE/redis" --save '' --appendonly no \
    --daemonize yes --pidfile "$STATE/redis/redis.pid" --logfile "$STATE/redis/redis.log" >&2
  wait_for "redis on :$port" bash -c "[ \"\$(redis-cli -h 127.0.0.1 -p $port ping)\" = PONG ]"
}
redis_stop() { # redis_stop save|nosave
  redis_running || return 0
  local pid i; pid="$(redis_pid)"
  redis-cli -h 127.0.0.1 -p "$(redis_port)" shutdown "$1" >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for i in $(seq "$TRIES"); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

redis_up() {
  [ -f "$STATE/redis.port" ] && redis_stop nosave
  rm -rf "$STATE/redis" "$STATE/redis.port"; mkdir -p "$STATE/redis"
  pick_port 56379 >"$STATE/redis.port"
  redis_start
  log "redis $(redis-server --version | grep -o 'v=[0-9.]*') ready on 127.0.0.1:$(redis_port)"
  echo "export REDIS_URL=redis://127.0.0.1:$(redis_port) HAINAN_REDIS_MANAGED=1" >>"$STATE/env"
}
redis_down() { [ -f "$STATE/redis.port" ] && redis_stop nosave; return 0; }

# ---------- commands ----------
cmd="${1:-status}"; shift || true
case "$cmd" in
  up)
    want=("$@"); [ ${#want[@]} -eq 0 ] && want=(pg redis)
    ensure_installed "${want[@]}"
    echo "export HAINAN_SERVICES_DIR=$STATE" >"$STATE/env"
    for s in "${want[@]}"; do case "$s" in pg) pg_up ;; redis) redis_up ;; *) die "unknown service $s" ;; esac; done
    ;;
  down) pg_down; redis_down; rm -f "$STATE/env"; log "stopped" ;;
  restart-pg) pg_running || die "no postgres managed in $STATE (run 'up' first)"; pg_stop; pg_start; log "postgres restarted" ;;
  restart-redis) redis_running || die "no redis managed in $STATE (run 'up' first)"; redis_stop save; redis_start; log "redis restarted" ;;
  status)
    if pg_running; then echo "postgres: running on 127.0.0.1:$(cat "$STATE/pg.port")"; else echo "postgres: stopped"; fi
    if redis_running; then echo "redis: running on 127.0.0.1:$(redis_port)"; else echo "redis: stopped"; fi
    [ -f "$STATE/env" ] && cat "$STATE/env"
    ;;
  browser) # the browser tests drive Debian's chromium (a test tool's own browser download does not work here); the
           # font lets the Chinese views render their characters
    pkgs=()
    [ -x /usr/bin/chromium ] || pkgs+=(chromium)
    [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || pkgs+=(fonts-wqy-microhei)
    if [ ${#pkgs[@]} -gt 0 ]; then apt_install "${pkgs[@]}"; fi
    log "browser: /usr/bin/chromium"
    ;;
  *) die "usage: $0 up [pg] [redis] | down | restart-pg | restart-redis | status | browser" ;;
esac
