#!/usr/bin/env bash
# Turns on MariaDB's row binlog, which the CDC worker (src/cdc/) follows to keep the Redis cache fresh when
# catalogue rows are changed straight in MySQL. Idempotent:
#   - already on with ROW/FULL/FULL: does nothing;
#   - on, but a dynamic setting differs: SET GLOBAL (no restart);
#   - off: writes the settings file and restarts mariadbd (log_bin cannot be changed at run time).
# The settings file is written in the last two cases so that a later restart keeps them.
# mariadbd is not under systemd on the project's machines: it is stopped by its pid file and started with
# start-stop-daemon, as in .ci/run.
set -euo pipefail

CONF_DIR=/etc/mysql/mariadb.conf.d
CONF_FILE=$CONF_DIR/60-coffee-binlog.cnf
MY_CNF=/etc/mysql/my.cnf
PID_FILE=/run/mysqld/mysqld.pid
TIMEOUT_S=60

sql() { mariadb -uroot -h127.0.0.1 -P3306 -N -B -e "$1"; }
answers() { sql 'SELECT 1' >/dev/null 2>&1; }
log() { printf 'enable-binlog: %s\n' "$*"; }

wait_until() { # wait_until <what> <command...>
  local what=$1
  shift
  for _ in $(seq 1 $((TIMEOUT_S * 2))); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  log "$what after ${TIMEOUT_S} s" >&2
  return 1
}

write_conf() {
  mkdir -p "$CONF_DIR"
  cat >"$CONF_FILE" <<'EOF'
# Row binlog for the coffee-shop CDC worker (written by scripts/enable-binlog.sh).
# FULL row metadata makes row events carry column names, so the worker needs no INFORMATION_SCHEMA lookups.
[mysqld]
server_id           = 1
log_bin             = mysql-bin
binlog_format       = ROW
binlog_row_image    = FULL
binlog_row_metadata = FULL
binlog_checksum     = CRC32
EOF
  # Debian's stock my.cnf includes mariadb.conf.d/; a trimmed one may not, and then the file above is ignored.
  if ! my_print_defaults --mysqld | grep -qx -- '--binlog_row_metadata=FULL'; then
    printf '\n!includedir %s/\n' "$CONF_DIR" >>"$MY_CNF"
    log "added !includedir $CONF_DIR/ to $MY_CNF"
  fi
}

not_running() { ! kill -0 "$1" 2>/dev/null; }

restart_mariadb() {
  if [[ -s $PID_FILE ]]; then
    local pid
    pid=$(cat "$PID_FILE")
    log "stopping mariadbd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    wait_until "mariadbd (pid $pid) still running" not_running "$pid"
  fi
  log "starting mariadbd"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_until "MariaDB does not answer SELECT 1" answers
}

if ! answers; then
  log "MariaDB on 127.0.0.1:3306 does not answer; writing $CONF_FILE and starting it"
  write_conf
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_until "MariaDB does not answer SELECT 1" answers
fi

read -r log_bin format row_image row_metadata < <(
  sql 'SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@binlog_row_metadata'
)

if [[ $log_bin == 1 && $format == ROW && $row_image == FULL && $row_metadata == FULL ]]; then
  log "row binlog already on (ROW, FULL, FULL)"
  exit 0
fi

write_conf
if [[ $log_bin == 1 ]]; then
  log "binlog on; setting binlog_format=ROW, binlog_row_image=FULL, binlog_row_metadata=FULL globally"
  # New sessions see the new values; sessions already open keep theirs until they reconnect.
  sql "SET GLOBAL binlog_format = 'ROW', GLOBAL binlog_row_image = 'FULL', GLOBAL binlog_row_metadata = 'FULL'"
else
  restart_mariadb
fi

read -r log_bin format row_image row_metadata < <(
  sql 'SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@binlog_row_metadata'
)
if [[ $log_bin != 1 || $format != ROW || $row_image != FULL || $row_metadata != FULL ]]; then
  log "binlog still not as required (log_bin=$log_bin format=$format row_image=$row_image" \
    "row_metadata=$row_metadata); see /var/log/mysql/error.log" >&2
  exit 1
fi
log "row binlog on: $(sql 'SHOW MASTER STATUS' | cut -f1,2)"
