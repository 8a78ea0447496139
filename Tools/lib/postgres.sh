# Sourced by Tools/test (and anything else that runs the PostgreSQL tests): starts one
# throwaway PostgreSQL cluster for the whole run and exports its URL as
# FIELDSYNC_TEST_POSTGRES (postgres://postgres@127.0.0.1:PORT); TestPostgres
# (Sources/FieldTestSupport) makes a database per test in it. Stopped and removed on exit.
# FIELDSYNC_POSTGRES_OPTIONS: more server options (`-c name=value …`), e.g. Tools/bench's
# pg_stat_statements.
#
# Started here, not inside the test process: a test process that spawns initdb and pg_ctl
# while hundreds of tests run beside it shares its few threads with them.

fieldsync_postgres_bin() {
    local v
    for v in 17 16 15; do
        if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then echo "/usr/lib/postgresql/$v/bin"; return 0; fi
    done
    echo "error: PostgreSQL is not installed: apt-get install -y postgresql" >&2
    return 1
}

# Runs a PostgreSQL tool as the cluster's owner (initdb refuses root).
fieldsync_postgres_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

fieldsync_postgres_start() {
    local bin dir port tries=0
    bin=$(fieldsync_postgres_bin) || return 1
    dir=$(mktemp -d /tmp/fieldsync-pg-XXXXXX)
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    fieldsync_postgres_as_owner "$bin/initdb" -D "$dir/db" -A trust -U postgres --no-sync >/dev/null
    while :; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        if fieldsync_postgres_as_owner "$bin/pg_ctl" -D "$dir/db" -l "$dir/log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=1000 \
               -c log_lock_waits=on -c log_min_duration_statement=2000 -c log_connections=off ${FIELDSYNC_POSTGRES_OPTIONS:-}" start >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 5 ]; then
            echo "error: PostgreSQL did not start:" >&2; cat "$dir/log" >&2; return 1
        fi
    done
    export FIELDSYNC_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port"
    fieldsync_postgres_dir="$dir"
    fieldsync_postgres_bin_dir="$bin"
    trap fieldsync_postgres_stop EXIT
    echo "==> PostgreSQL for the tests on 127.0.0.1:$port ($dir)" >&2
}

# Statements that waited on a lock or ran over 2 s, and sessions PostgreSQL ended: what
# to read when a test stalled.
fieldsync_postgres_report() {
    [ -n "${fieldsync_postgres_dir:-}" ] || return 0
    if grep -qE "still waiting|duration:|FATAL|deadlock" "$fieldsync_postgres_dir/log" 2>/dev/null; then
        echo "==> PostgreSQL's slow statements and lock waits during the run:" >&2
        grep -E "still waiting|acquired|duration:|FATAL|deadlock" "$fieldsync_postgres_dir/log" | cut -c1-400 | tail -40 >&2
    fi
}

fieldsync_postgres_stop() {
    [ -n "${fieldsync_postgres_dir:-}" ] || return 0
    fieldsync_postgres_as_owner "$fieldsync_postgres_bin_dir/pg_ctl" -D "$fieldsync_postgres_dir/db" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$fieldsync_postgres_dir"
    fieldsync_postgres_dir=""
}
