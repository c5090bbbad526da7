#!/bin/sh
# First start: a cluster with the `factory` role and database (password from the environment).
set -eu
: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -w start -o "-c listen_addresses=''"
    psql -v ON_ERROR_STOP=1 -U postgres -d postgres \
        -c "CREATE ROLE factory LOGIN PASSWORD '$POSTGRES_PASSWORD'" \
        -c "CREATE DATABASE factory OWNER factory"
    pg_ctl -D "$PGDATA" -m fast -w stop
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
