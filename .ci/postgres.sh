#!/usr/bin/env bash
# Prints a PostgreSQL URL for the tests and benchmarks, starting a throwaway cluster if needed.
#
#   .ci/postgres.sh            find or start the cluster; print its URL on stdout
#   .ci/postgres.sh --install  first install Debian's `postgresql` if it is missing (root only)
#   .ci/postgres.sh --stop     stop the throwaway cluster
#
# FACTORY_TEST_POSTGRES_URL, when set, is printed as is: point the tests at any server you like.
# Otherwise the cluster lives in ${TMPDIR:-/tmp}/agent-factory-postgres-<uid> on the first free
# loopback port from 54329, trusts local connections (it holds only test databases, each created
# fresh by the tests) and is reused by the next call, from any worktree. It runs as the
# `postgres` user when called as root, since PostgreSQL refuses to run as root.
# When PostgreSQL cannot be found or started, it prints a loud notice on stderr and nothing on
# stdout, and exits 0: the PostgreSQL tests then skip locally (and fail under CI=true).
set -euo pipefail

notice() {
    {
        echo "################################################################################"
        echo "## PostgreSQL is NOT available: $*"
        echo "## The PostgreSQL half of the tests and benchmarks will not run."
        echo "## Install Debian's package (apt-get install postgresql) or set"
        echo "## FACTORY_TEST_POSTGRES_URL=postgresql+psycopg://user@host:port/db"
        echo "################################################################################"
    } >&2
}

if [[ -n "${FACTORY_TEST_POSTGRES_URL:-}" && "${1:-}" != "--stop" ]]; then
    echo "$FACTORY_TEST_POSTGRES_URL"
    exit 0
fi

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        [[ -x "$dir/initdb" ]] && { echo "$dir"; return; }
    fi
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$dir" && -x "$dir/initdb" ]] && { echo "$dir"; return; }
    dir="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
    [[ -x "$dir/initdb" ]] && echo "$dir"
    return 0
}

if [[ "${1:-}" == "--install" && -z "$(find_bindir)" ]]; then
    if [[ "$(id -u)" == 0 ]]; then
        echo "installing Debian's postgresql package" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    else
        echo "not root: cannot apt-get install postgresql" >&2
    fi
fi

BINDIR="$(find_bindir)"
if [[ -z "$BINDIR" ]]; then
    notice "no initdb/pg_ctl found"
    exit 0
fi

as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
    notice "running as root and there is no 'postgres' user to run the server as"
    exit 0
fi

DIR="${FACTORY_TEST_POSTGRES_DIR:-${TMPDIR:-/tmp}/agent-factory-postgres-$(id -u)}"
DATA="$DIR/data"
mkdir -p "$DIR"
[[ "$(id -u)" == 0 ]] && chown postgres: "$DIR"

# One caller at a time sets the cluster up (several worktrees may run tests at once).
exec 9>"$DIR.lock"
flock 9

if [[ "${1:-}" == "--stop" ]]; then
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast stop >&2 || true
    exit 0
fi

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

url_for() {
    echo "postgresql+psycopg://postgres@127.0.0.1:$1/postgres"
}

if as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [[ -s "$DIR/port" ]]; then
    url_for "$(cat "$DIR/port")"
    exit 0
fi

if [[ ! -s "$DATA/PG_VERSION" ]]; then
    rm -rf "$DATA"
    as_owner "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 || {
        notice "initdb failed (see $DIR/initdb.log)"
        exit 0
    }
fi

PORT=54329
while port_in_use "$PORT"; do
    PORT=$((PORT + 1))
done
echo "$PORT" >"$DIR/port"

# fsync off: a throwaway cluster for tests; listen on loopback only, sockets in our own dir.
if ! as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start -o \
    "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" \
    >&2 9>&-; then
    notice "the server did not start (see $DIR/server.log)"
    exit 0
fi
url_for "$PORT"
