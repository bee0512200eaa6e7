#!/usr/bin/env bash
# The servers the runtime's tests need, on 127.0.0.1 only.
#
#   .ci/services.sh start   install what is missing (idempotent; root with apt/npm reachable),
#                           start the servers, wait until they answer, and write their
#                           addresses to .ci/.services/env as KEY=VALUE lines:
#                             ATAKORA_REDIS_URL=redis://127.0.0.1:6391/
#                             ATAKORA_COSMOS_SERVER=http://127.0.0.1:8091/
#                             ATAKORA_AZURITE_QUEUES=https://127.0.0.1:10011/devstoreaccount1
#                             ATAKORA_AZURITE_CA=<the PEM file of the CA that signed azurite's certificate>
#                           (the tests read these variables, or this file when they are unset)
#   .ci/services.sh stop    stop the servers this script started (by their pid files)
#   .ci/services.sh env     print the env file
#
# Servers: Debian's redis-server (the Redis cache adapter), @vercel/cosmosdb-server from npm
# installed into .ci/.services/node (a Cosmos DB protocol server for the Cosmos store's
# conformance run), and azurite's queue service from npm, over HTTPS with a self-signed
# certificate (from a CA made here by openssl) and OAuth on (the storage queues' Entra ID and Shared Key
# runs: Azure accepts bearer tokens over HTTPS only), without its API version check (the queue
# SDK speaks the service's newest x-ms-version, which azurite 3.35 does not list yet). Nothing is exported: source the env file (`set -a; . .ci/.services/env`).
set -euo pipefail
cd "$(dirname "$0")/.."
state=.ci/.services
mkdir -p "$state"
echo "*" > "$state/.gitignore"
REDIS_PORT="${ATAKORA_REDIS_PORT:-6391}"
COSMOS_PORT="${ATAKORA_COSMOS_PORT:-8091}"
AZURITE_PORT="${ATAKORA_AZURITE_PORT:-10011}"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # name, command
  for _ in $(seq 1 100); do
    if eval "$2" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "services: $1 did not come up" >&2
  return 1
}

install() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing redis-server (apt)" >&2
    if ! apt-get install -y -q redis-server >/dev/null 2>&1; then
      apt-get update -q >/dev/null
      apt-get install -y -q redis-server >/dev/null
    fi
  fi
  if [ ! -f "$state/node/node_modules/@vercel/cosmosdb-server/package.json" ]; then
    echo "services: installing @vercel/cosmosdb-server (npm)" >&2
    mkdir -p "$state/node"
    npm install --prefix "$state/node" --no-audit --no-fund --silent @vercel/cosmosdb-server@1.0.1 >/dev/null
  fi
  if [ ! -f "$state/node/node_modules/azurite/package.json" ]; then
    echo "services: installing azurite (npm)" >&2
    mkdir -p "$state/node"
    npm install --prefix "$state/node" --no-audit --no-fund --silent azurite@3.35.0 >/dev/null
  fi
  if [ ! -f "$state/azurite-cert.pem" ]; then
    # A CA of its own and a server certificate it signs (TLS clients refuse a CA certificate
    # presented as the server's own).
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=atakora test CA" \
      -keyout "$state/azurite-ca-key.pem" -out "$state/azurite-ca.pem" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
      -keyout "$state/azurite-key.pem" -out "$state/azurite.csr" >/dev/null 2>&1
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' \
      > "$state/azurite.ext"
    openssl x509 -req -in "$state/azurite.csr" -CA "$state/azurite-ca.pem" -CAkey "$state/azurite-ca-key.pem" \
      -CAcreateserial -days 30 -extfile "$state/azurite.ext" -out "$state/azurite-cert.pem" >/dev/null 2>&1
  fi
}

start() {
  install
  if ! alive "$state/redis.pid"; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --daemonize yes --pidfile "$(pwd)/$state/redis.pid" --logfile "$(pwd)/$state/redis.log"
  fi
  wait_for redis "redis-cli -h 127.0.0.1 -p $REDIS_PORT ping | grep -q PONG"
  if ! alive "$state/cosmos.pid"; then
    NODE_PATH="$(pwd)/$state/node/node_modules" nohup node .ci/cosmos-server.js "$COSMOS_PORT" \
      > "$state/cosmos.log" 2>&1 &
    echo $! > "$state/cosmos.pid"
  fi
  wait_for cosmosdb-server "node -e \"require('http').get('http://127.0.0.1:$COSMOS_PORT/', r => process.exit(r.statusCode < 500 ? 0 : 1)).on('error', () => process.exit(1))\""
  if ! alive "$state/azurite.pid"; then
    nohup "$state/node/node_modules/.bin/azurite-queue" --queueHost 127.0.0.1 --queuePort "$AZURITE_PORT" \
      --oauth basic --cert "$state/azurite-cert.pem" --key "$state/azurite-key.pem" --skipApiVersionCheck \
      --inMemoryPersistence --disableTelemetry --silent > "$state/azurite.log" 2>&1 &
    echo $! > "$state/azurite.pid"
  fi
  # Any answer (an unauthenticated request gets 403) means it listens.
  wait_for azurite "node -e \"require('https').get({host: '127.0.0.1', port: $AZURITE_PORT, path: '/devstoreaccount1?comp=list', rejectUnauthorized: false}, r => process.exit(r.statusCode ? 0 : 1)).on('error', () => process.exit(1))\""
  {
    echo "ATAKORA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/"
    echo "ATAKORA_COSMOS_SERVER=http://127.0.0.1:$COSMOS_PORT/"
    echo "ATAKORA_AZURITE_QUEUES=https://127.0.0.1:$AZURITE_PORT/devstoreaccount1"
    echo "ATAKORA_AZURITE_CA=$(pwd)/$state/azurite-ca.pem"
  } > "$state/env.tmp"
  mv "$state/env.tmp" "$state/env"
  echo "services: up ($(tr '\n' ' ' < "$state/env"))" >&2
}

stop() {
  for name in cosmos redis azurite; do
    if alive "$state/$name.pid"; then
      kill "$(cat "$state/$name.pid")" || true
    fi
    rm -f "$state/$name.pid"
  done
  # A Redis this script started whose pid file went missing still answers on its port.
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  rm -f "$state/env"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) cat "$state/env" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
