#!/usr/bin/env bash
# The on-sale benchmark in one command: starts the stack if needed, builds release binaries, runs a
# release gateway of its own on 127.0.0.1:8090, and runs `onsale-bench sellout` against it (the
# default sell-out: 10,000 seats, 100,000 buyers, audit, baselines, chart in target/onsale.svg).
# Arguments go to the sellout, e.g. `--buyers 20000`, `--no-keys` or `--chaos kafka-stop`. With
# `queue` first, the on-sale behind a waiting room instead (`onsale-bench queue`: 100,000 buyers join,
# the sale opens, admitted buyers buy; then the same crowd without the room), e.g.
# `bash localstack/bench.sh queue --buyers 20000`. With `checkins`, the door: tickets sold, each
# scanned once, then one ticket scanned by every steward at once (`onsale-bench checkins`). With
# `bookings`, the booking path's capacity: holds made first, then all booked at once, then all paid
# (`onsale-bench bookings --holds 2000 [--keys]`). With `reads`, the seat map's read rate: each view
# of a 10,000-seat event under `wrk -t2 -c32` (`onsale-bench reads`; wrk from Debian's packages).
# With `codes`, the code race: many buyers, one discount code of few uses, holds with and without a
# code beside the raw lock (`onsale-bench codes --buyers 5000 --uses 50`). With `presale`, an on-sale
# with a presale: a tenth of the crowd with an access code reserving a tenth of the seats, then the
# general sale, then the reservation's end (`onsale-bench presale --buyers 10000 --seats 5000`).
# With `budget`, what each operation costs each store, counted (`onsale-bench budget --n 200`: MySQL
# statements, transactions and rows written, Redis commands per hold, release, booking, payment
# and check-in; stop other gateways first).
# With `dynamo`, the idempotency store's rate on moto and on dynoxide side by side.
# With `--tls` (anywhere among the arguments), the gateway's data path as deployed instead.
set -euo pipefail
# The bench measures the data path as its earlier figures did, in plaintext: the stack's MariaDB
# as its bench account, without TLS, and a plaintext Redis of the stack's own on 6381 (the TLS
# servers the test suite uses are left alone, and so is the machine's Redis), so that its ratios
# to the raw baselines, and the redis-restart chaos mode, mean what they meant. Kafka is always
# reached as MSK is, through msk-gate (TLS and IAM auth). With `--tls` the gateway reaches MariaDB
# over TLS (the bench account, the certificate checked against the local CA) and the stack's TLS
# Redis (6380, AUTH) as the functions do in AWS; the raw baselines stay on the plaintext servers,
# so its ratios say what TLS costs the path. Not with the redis-restart chaos mode.
tls=""
args=()
for a in "$@"; do if [ "$a" = --tls ]; then tls=1; else args+=("$a"); fi; done
set -- ${args[@]+"${args[@]}"}
export DB_USER="${DB_USER:-booking_bench}" DB_PASSWORD="${DB_PASSWORD-local-bench-password}"
# The raw baselines' Redis (the plaintext one; with --tls the gateway's is the stack's TLS Redis).
baseline_redis="redis://127.0.0.1:6381/"
if [ -n "$tls" ]; then
  export DB_SSL_MODE=verify_identity
else
  export DB_SSL_MODE="${DB_SSL_MODE:-disabled}"
  export REDIS_PORT="${REDIS_PORT:-6381}" REDIS_URL="${REDIS_URL:-$baseline_redis}"
  baseline_redis=$REDIS_URL
fi
# Its own slice of the stack: a database, and a key prefix for Redis keys, DynamoDB keys, Kafka
# topics and consumer groups, so that it runs beside the gateway `run.sh` started (which would
# otherwise play the same consumer groups and take the bench's pushes).
export DB_NAME="${DB_NAME:-bench}" KEY_PREFIX="${KEY_PREFIX:-bench.}"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$LOCALSTACK_DIR/stack.sh" up
cd "$REPO_DIR"
log "building release binaries"
cargo build -q --release -p local-gateway -p onsale-bench
export DB_MAX_CONNECTIONS="${DB_MAX_CONNECTIONS:-32}" RUST_LOG="${RUST_LOG:-warn}"
mode=sellout
case "${1:-}" in queue|checkins|bookings|reads|codes|presale|budget) mode=$1; shift ;; esac
if [ "$mode" = reads ] && ! command -v wrk >/dev/null; then
  log "installing wrk (Debian)"; apt_install wrk
fi
if [ "${1:-}" = dynamo ]; then
  shift
  exec target/release/onsale-bench dynamo --endpoint "moto=$AWS_ENDPOINT_URL" \
    --endpoint "dynoxide=$AWS_ENDPOINT_URL_DYNAMODB" "$@"
fi
[ -z "$tls" ] || log "over TLS: MariaDB ($DB_SSL_MODE), Redis ($REDIS_HOST:$REDIS_PORT, AUTH), Kafka (msk-gate)"
# localstripe's webhooks go to the bench's gateway while it runs, as Stripe's go to the deployed
# API: its payments are there. A gateway `run.sh` started gets them back afterwards.
if [ "$PAYMENT_PROVIDER" = stripe ]; then
  trap 'bash "$LOCALSTACK_DIR/stack.sh" webhooks "${GATEWAY_ADDR:-127.0.0.1:8080}"' EXIT
  bash "$LOCALSTACK_DIR/stack.sh" webhooks 127.0.0.1:8090
fi
target/release/onsale-bench --url http://127.0.0.1:8090 --redis "$baseline_redis" \
  --database "mysql://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$DB_NAME" \
  "$mode" --gateway target/release/local-gateway "$@"
