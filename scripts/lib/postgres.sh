# Sourced by scripts that need a PostgreSQL of their own: a throwaway cluster on a free loopback port, installed with
# apt-get on a fresh Debian machine when missing. Call start_throwaway_postgres <folder>; it sets PG_PORT and PG_CONNECTION
# (an Npgsql connection string to the postgres database), and stop_throwaway_postgres <folder> at the end.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
find_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_throwaway_postgres() {
    local dir=$1
    PG_BIN=$(find_pg_bin)
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "installing PostgreSQL (apt-get)..." >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        PG_BIN=$(find_pg_bin)
    fi
    PG_PORT=$(free_port)
    mkdir -p "$dir/pg"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    as_pg "$PG_BIN/initdb" -D "$dir/pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    # fsync off: a throwaway cluster; durability is not what it is for.
    as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
    PG_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" >&2
}

stop_throwaway_postgres() {
    local dir=$1
    if [ -n "${PG_BIN:-}" ] && [ -f "$dir/pg/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true
    fi
}
