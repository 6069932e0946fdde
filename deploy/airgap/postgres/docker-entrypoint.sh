#!/bin/sh
# Minimal re-implementation of the official postgres image's entrypoint contract:
# POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB / POSTGRES_INITDB_ARGS / POSTGRES_HOST_AUTH_METHOD,
# each also as NAME_FILE (a path to a file holding the value: Docker and Kubernetes secrets),
# init only on an empty data dir, /docker-entrypoint-initdb.d/*.sql|*.sh, privileges dropped to postgres.
set -eu

# The official image's file_env: NAME from the file NAME_FILE names; both set is an error.
file_env() {
    var=$1
    file_var=${var}_FILE
    eval "value=\${$var:-}"
    eval "file=\${$file_var:-}"
    if [ -n "$value" ] && [ -n "$file" ]; then
        echo "error: both $var and $file_var are set (but are exclusive)" >&2
        exit 1
    fi
    if [ -n "$file" ]; then
        value=$(cat "$file") || { echo "error: cannot read $file_var ($file)" >&2; exit 1; }
        export "$var=$value"
    fi
    unset "$file_var"
}

if [ "${1#-}" != "$1" ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
    for name in POSTGRES_PASSWORD POSTGRES_USER POSTGRES_DB POSTGRES_INITDB_ARGS; do
        file_env "$name"
    done
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$PGDATA" /var/run/postgresql
        chown -R postgres:postgres "$PGDATA" /var/run/postgresql
        chmod 700 "$PGDATA"
        exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
    fi

    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
            echo "Error: Database is uninitialized and superuser password is not specified." >&2
            echo "       Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)." >&2
            exit 1
        fi
        POSTGRES_USER=${POSTGRES_USER:-postgres}
        POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
        mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
        pwfile=$(mktemp)
        printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
        # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words, as upstream
        initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
            ${POSTGRES_INITDB_ARGS:-}
        rm -f "$pwfile"
        printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
        printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"

        # Temporary server on the unix socket only, so nothing counts it as ready during init.
        pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start
        export PGUSER="$POSTGRES_USER" PGHOST=/var/run/postgresql
        if [ "$POSTGRES_DB" != postgres ]; then
            # psql interpolates :"db" (quoted identifier) only in input, not in -c
            echo 'CREATE DATABASE :"db";' | psql -v ON_ERROR_STOP=1 --dbname postgres --set db="$POSTGRES_DB"
        fi
        for f in /docker-entrypoint-initdb.d/*; do
            case "$f" in
                *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
                *.sql) psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" -f "$f" ;;
                *.sql.gz) gunzip -c "$f" | psql -v ON_ERROR_STOP=1 --dbname "$POSTGRES_DB" ;;
                *) ;;
            esac
        done
        pg_ctl -D "$PGDATA" -m fast -w stop
        unset PGUSER PGHOST
        echo "PostgreSQL init process complete; ready for start up."
    fi
fi

exec "$@"
