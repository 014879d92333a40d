#!/usr/bin/env bash
# PostgreSQL and Redis for the scaled profile, started only when they are not already running. Idempotent.
#
#   scripts/services.sh [start]   install if missing (root), start, create the govchat role and databases,
#                                 then print the GOVCHAT_ settings to use (eval-able: `eval "$(scripts/services.sh)"`)
#   scripts/services.sh stop      stop the Redis server this script started (PostgreSQL is left to its cluster tools)
#   scripts/services.sh status    say what answers
#
# PostgreSQL: Debian's cluster (pg_ctlcluster), role and databases `govchat` and `govchat_rasa` (Rasa's tracker
# store). Redis: our own server on GOVCHAT_REDIS_PORT (default 6390, so a system Redis on 6379 is left alone),
# with its config, pid file, log and dump in $GOVCHAT_DATA_DIR/redis; no systemd needed.
# Operators with managed PostgreSQL/Redis skip this script and set GOVCHAT_DATABASE_URL / GOVCHAT_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA_DIR=${GOVCHAT_DATA_DIR:-$PWD/var}
PG_USER=${GOVCHAT_PG_USER:-govchat}
PG_PASSWORD=${GOVCHAT_PG_PASSWORD:-govchat}  # development default; production sets its own
PG_DB=${GOVCHAT_PG_DB:-govchat}
REDIS_PORT=${GOVCHAT_REDIS_PORT:-6390}
REDIS_DIR=$DATA_DIR/redis

log() { echo "services: $*" >&2; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

install_missing() {
  local missing=()
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "please install these Debian packages first: ${missing[*]}"
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  # policy-rc.d in containers keeps the packages' own services from starting; we start ours below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

pg_cluster() {  # prints "version name port status" of the first cluster
  pg_lsclusters --no-header | awk 'NR==1 {print $1, $2, $3, $4}'
}

start_postgres() {
  local version name port status
  read -r version name port status < <(pg_cluster) || true
  if [ -z "${version:-}" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    log "creating PostgreSQL $version cluster main"
    pg_createcluster "$version" main >/dev/null
    read -r version name port status < <(pg_cluster)
  fi
  if [ "$status" != "online" ]; then
    log "starting PostgreSQL $version/$name on port $port"
    pg_ctlcluster "$version" "$name" start
  fi
  for _ in $(seq 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { log "PostgreSQL did not come up"; exit 1; }
  PG_PORT=$port
  # Role with a password (TCP logins use scram-sha-256) and CREATEDB (tests make throw-away databases).
  as_postgres psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 -v user="$PG_USER" -v pass="$PG_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'pass')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'pass') \gexec
SQL
  local db
  for db in "$PG_DB" "${PG_DB}_rasa"; do
    as_postgres psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 -v db="$db" -v user="$PG_USER" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
  done
}

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  if redis_up; then return 0; fi
  mkdir -p "$REDIS_DIR"
  cat > "$REDIS_DIR/redis.conf" <<EOF
# Written by scripts/services.sh; edit the script, not this file.
bind 127.0.0.1 ::1
protected-mode yes
port $REDIS_PORT
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
dir $REDIS_DIR
# Rate-limit counters, locks, token caches: losing them on restart is acceptable, so no fsync cost.
save ""
appendonly no
maxmemory 256mb
maxmemory-policy volatile-lru
EOF
  log "starting Redis on 127.0.0.1:$REDIS_PORT (config $REDIS_DIR/redis.conf)"
  redis-server "$REDIS_DIR/redis.conf"
  for _ in $(seq 40); do redis_up && return 0; sleep 0.25; done
  log "Redis did not come up; see $REDIS_DIR/redis.log"
  exit 1
}

print_env() {
  cat <<EOF
export GOVCHAT_DATABASE_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
export GOVCHAT_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export GOVCHAT_RASA_ENDPOINTS=endpoints.scaled.yml
EOF
}

case "${1:-start}" in
  start)
    install_missing
    start_postgres
    start_redis
    print_env
    ;;
  stop)
    if redis_up; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null || true; log "Redis stopped"; fi
    ;;
  status)
    read -r version name port status < <(pg_cluster) || true
    echo "postgresql ${version:-none}/${name:-} port ${port:-} ${status:-missing}"
    if redis_up; then echo "redis 127.0.0.1:$REDIS_PORT online"; else echo "redis 127.0.0.1:$REDIS_PORT down"; fi
    ;;
  *)
    echo "usage: $0 [start|stop|status]" >&2
    exit 2
    ;;
esac
