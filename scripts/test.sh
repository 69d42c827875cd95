#!/usr/bin/env bash
# Runs every test. Starts what the tests need on loopback (a throwaway PostgreSQL cluster), installing PostgreSQL and
# Redis first on a fresh Debian machine, and removes the cluster afterwards. The scale-out tests start their own
# redis-server processes (found through INBOX_TEST_REDIS_SERVER) and server processes. Extra arguments go to
# `dotnet test` (e.g. --filter ...).
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/inbox-test.XXXXXX)
cleanup() {
    if [ -n "${pg_ctl:-}" ] && [ -f "$work/pg/postmaster.pid" ]; then
        as_pg "$pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "test.sh: installing PostgreSQL (apt-get)..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(find_pg_bin)
fi
pg_ctl="$pg_bin/pg_ctl"

redis_server=$(command -v redis-server || true)
if [ -z "$redis_server" ]; then
    echo "test.sh: installing Redis (apt-get)..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    redis_server=$(command -v redis-server)
fi
export INBOX_TEST_REDIS_SERVER="$redis_server"
echo "test.sh: Redis $("$redis_server" --version | awk '{print $3}' | sed 's/^v=//') at $redis_server (the scale-out tests start their own)"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55433)
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown -R postgres "$work"
as_pg "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
# fsync off: a throwaway cluster; durability is not what these tests measure.
as_pg "$pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
echo "test.sh: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export INBOX_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
dotnet test Inbox.sln "$@"
