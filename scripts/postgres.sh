#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback for the server store's tests: installs PostgreSQL
# when missing, creates the cluster under .cache/postgres on first use, starts it when it is
# not running, and prints its URL (what SOTTO_TEST_POSTGRES_URL takes). Fast when it runs.
# Usage: scripts/postgres.sh [start|stop]
set -euo pipefail
cd "$(dirname "$0")/.."

port="${SOTTO_POSTGRES_PORT:-54329}"
database=sotto_test
user=sotto
root="$PWD/.cache/postgres"
data="$root/data"
url="postgres://$user@127.0.0.1:$port/$database?sslmode=disable"

scripts/install-deps.sh >&2
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` system user
# the Debian package creates.
run() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
running() { [ -f "$data/PG_VERSION" ] && run "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

if [ "${1:-start}" = stop ]; then
    if running; then run "$bin/pg_ctl" -D "$data" -m fast -w stop >&2; fi
    exit 0
fi

psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -v ON_ERROR_STOP=1 -qtA)
# A cluster already answering on the port (this checkout's, or another's) is used as it is.
answers() { PGCONNECT_TIMEOUT=3 "${psql[@]}" -c "SELECT 1" >/dev/null 2>&1; }

# Something listening on the port that is not a PostgreSQL we can use (a stale cluster whose
# folder is gone, another program): say so rather than let the tests time out against it.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

if ! answers && ! running; then
    if listening; then
        echo "error: port $port is taken by something that does not answer as this checkout's PostgreSQL;" \
            "stop it, or choose another port with SOTTO_POSTGRES_PORT" >&2
        exit 1
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        mkdir -p "$data"
        if [ "$(id -u)" -eq 0 ]; then
            chown -R postgres:postgres "$root"
            if ! runuser -u postgres -- test -w "$root"; then
                echo "error: the postgres user cannot reach $root; put the checkout where others may read it" >&2
                exit 1
            fi
        fi
        chmod 700 "$data"
        run "$bin/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
        # Loopback only, the socket beside the data; durability is not what these tests check.
        cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$root'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
        cat >"$data/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
    fi
    run "$bin/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 start >/dev/null || {
        echo "error: PostgreSQL did not start; its log:" >&2
        tail -n 20 "$root/server.log" >&2
        exit 1
    }
fi

if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE $database" >/dev/null
fi
echo "$url"
