#!/bin/bash
# A private PostgreSQL 15 + PostGIS 3 server for the database tests, as the unprivileged `postgres` user, on a
# Unix socket in its own directory (no TCP), with trust authentication (nothing leaves the machine).
#   server.sh start DIR OWNER_PID   initdb + start, database `soilhealth` with PostGIS; prints the socket
#                                   directory and port. A watchdog stops the server when OWNER_PID exits,
#                                   however it exits (a crashed or killed test run leaves no server behind).
#   server.sh stop DIR              stops it now (fast shutdown).
#   server.sh halt DIR              stops it as a crash would (immediate shutdown): the server going away.
#   server.sh restart DIR           starts it again on the same socket and port.
set -euo pipefail
command=${1:?start|stop}
dir=${2:?directory}
bin=/usr/lib/postgresql/15/bin
user=postgres
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}
fail() { echo "postgis server: $*" >&2; exit 1; }
start_server() {
  # In a subshell that first closes every descriptor it inherited beyond 0-2: the server must not keep one of
  # whoever started us open (a test runner's pipe would then never reach its end).
  (
    for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi; done
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $(cat "$dir/port") -k $dir/socket -c listen_addresses= -c fsync=off -c max_connections=40" start > "$dir/pg_ctl.log" 2>&1
  ) || fail "the server did not start: $(tail -5 "$dir/server.log" 2>/dev/null)"
}

case "$command" in
start)
  owner=${3:?owner pid}
  [ -x "$bin/initdb" ] || fail "$bin/initdb not found: install postgresql-15-postgis-3 (make setup)"
  [ -f /usr/share/postgresql/15/extension/postgis.control ] || fail "PostGIS 3 for PostgreSQL 15 is not installed: install postgresql-15-postgis-3 (make setup)"
  id "$user" >/dev/null 2>&1 || fail "no '$user' user to run the server as"
  mkdir -p "$dir/data" "$dir/socket"
  if [ "$(id -u)" = 0 ]; then chown -R "$user:" "$dir"; fi
  chmod 700 "$dir/data"
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 \
    || fail "initdb failed: $(tail -3 "$dir/initdb.log")"
  # A port number for the socket's name only (no TCP: listen_addresses is empty); pick one no other test uses.
  port=$(( 20000 + ($$ % 20000) ))
  echo "$port" > "$dir/port"
  start_server
  # The watchdog: in its own session, so it outlives the test process it watches.
  setsid bash -c "while kill -0 $owner 2>/dev/null; do sleep 0.3; done; \
    if [ -f '$dir/data/postmaster.pid' ]; then $(declare -f as_postgres); user=$user; as_postgres $bin/pg_ctl -D '$dir/data' -m immediate stop >/dev/null 2>&1; fi; rm -rf '$dir'" \
    < /dev/null > /dev/null 2>&1 &
  as_postgres "$bin/psql" -h "$dir/socket" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE soilhealth" > "$dir/psql.log" 2>&1 || fail "cannot create the database: $(cat "$dir/psql.log")"
  as_postgres "$bin/psql" -h "$dir/socket" -p "$port" -U postgres -d soilhealth -v ON_ERROR_STOP=1 -q \
    -c "CREATE EXTENSION postgis" >> "$dir/psql.log" 2>&1 || fail "cannot enable PostGIS: $(cat "$dir/psql.log")"
  echo "$dir/socket $port"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null 2>&1 || true; fi
  ;;
halt)
  as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1 || fail "the server could not be stopped"
  ;;
restart)
  start_server
  ;;
*) fail "unknown command $command" ;;
esac
