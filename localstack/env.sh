# Sourced by the local scripts: where things are and how the functions reach the local stack.
# Every value can be overridden from the environment.
LOCALSTACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$LOCALSTACK_DIR")"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.local}"
mkdir -p "$STATE_DIR/logs" "$STATE_DIR/run"

# TLS material of the local stack (a CA the scripts make, and a certificate for 127.0.0.1), kept
# in this checkout: nothing is written outside it.
TLS_DIR="${TLS_DIR:-$STATE_DIR/tls}"
# MariaDB: a server of the stack's own (data in .local/mysql, its own port and socket), started
# from the machine's binaries; the machine's own MariaDB, where there is one, is never touched.
# The scripts administer it over its socket as the account named after the OS user who made it
# (unix_socket authentication: no password anywhere); the functions connect as an account that it
# lets in over TLS only, verifying the server against the local CA, with rights on the stack's own
# databases alone.
MYSQL_DIR="$STATE_DIR/mysql"
export DB_SOCKET="${DB_SOCKET:-$STATE_DIR/run/mysqld.sock}"
export DB_ADMIN_USER="${DB_ADMIN_USER:-$(id -un)}"
export DB_HOST="${DB_HOST:-127.0.0.1}" DB_PORT="${DB_PORT:-3307}" DB_NAME="${DB_NAME:-booking}"
APP_DB_PASSWORD=local-db-password BENCH_DB_PASSWORD=local-bench-password
export DB_USER="${DB_USER:-booking_app}" DB_PASSWORD="${DB_PASSWORD-$APP_DB_PASSWORD}"
export DB_SSL_MODE="${DB_SSL_MODE:-verify_identity}" DB_SSL_CA="${DB_SSL_CA:-$TLS_DIR/ca.pem}"
# Redis: the machine's server on 6379, where there is one, is left alone; the functions use a
# TLS-only server of the stack's own with AUTH on 6380 (ElastiCache's in-transit encryption and
# AUTH token, played locally).
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}" REDIS_PORT="${REDIS_PORT:-6380}"
export REDIS_PASSWORD="${REDIS_PASSWORD:-local-redis-password}"
export REDIS_URL="${REDIS_URL:-rediss://:$REDIS_PASSWORD@$REDIS_HOST:$REDIS_PORT/}" REDIS_CA_FILE="${REDIS_CA_FILE:-$TLS_DIR/ca.pem}"
# The 3-shard cluster `stack.sh cluster` starts (seed nodes; the client finds the rest).
REDIS_CLUSTER_URL="rediss://:$REDIS_PASSWORD@127.0.0.1:7001/,rediss://:$REDIS_PASSWORD@127.0.0.1:7002/,rediss://:$REDIS_PASSWORD@127.0.0.1:7003/"
# Kafka as MSK's IAM listener (port 9098): the functions speak TLS to `msk-gate`, which checks their
# SASL/OAUTHBEARER MSK IAM token (signed with the AWS key below) before passing them through to
# the broker, nisshi, listening in plaintext on KAFKA_BROKER_ADDR and advertising the gate.
export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9098}"
export KAFKA_SECURITY="${KAFKA_SECURITY:-iam}" KAFKA_CA_FILE="${KAFKA_CA_FILE:-$TLS_DIR/ca.pem}"
KAFKA_BROKER_ADDR="${KAFKA_BROKER_ADDR:-127.0.0.1:9092}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:5000}"
# DynamoDB alone goes to dynoxide (a Rust emulator on SQLite in memory): idempotency claims, consumer
# dedupe and WebSocket connections at a rate moto, one Python process, cannot serve
# (docs/PERFORMANCE.md, `onsale-bench dynamo`). Everything else (Secrets Manager, SES, SNS) is moto.
export AWS_ENDPOINT_URL_DYNAMODB="${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:5001}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_EC2_METADATA_DISABLED=true
export LOCAL_JWT_SECRET="${LOCAL_JWT_SECRET:-local-dev-secret}"
export PAYMENT_WEBHOOK_SECRET="${PAYMENT_WEBHOOK_SECRET:-local-webhook-secret}"
export PATH="$HOME/.cargo/bin:$PATH"

VENV="$STATE_DIR/venv"
MOTO_VERSION=5.2.5
# The Stripe emulator (PyPI), in a venv of its own; the functions reach it with STRIPE_API_BASE.
# Locally as deployed, the money goes through Stripe's API (the emulator); the sandbox provider is
# left for the tests of a provider that misbehaves on purpose.
export PAYMENT_PROVIDER="${PAYMENT_PROVIDER:-stripe}"
STRIPE_VENV="$STATE_DIR/stripe-venv"
LOCALSTRIPE_VERSION=1.15.10
export STRIPE_API_BASE="${STRIPE_API_BASE:-http://127.0.0.1:8420}"
# The emulator's stand-in for Stripe.js (in AWS, Stripe's own).
export STRIPE_JS_URL="${STRIPE_JS_URL:-$STRIPE_API_BASE/js.stripe.com/v3/}"
NISSHI_VERSION=0.7.0-pre.2
DYNOXIDE_VERSION=3.2.0

log() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }

# True when something listens on host:port.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Waits up to $3 seconds (default 30) for host:port.
wait_port() {
  local i
  for ((i = 0; i < ${3:-30} * 10; i++)); do port_open "$1" "$2" && return 0; sleep 0.1; done
  log "nothing answers on $1:$2"; return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The MySQL client as the stack's administrator, over the stack's own socket.
mysql_admin() { mysql --no-defaults --socket="$DB_SOCKET" -u "$DB_ADMIN_USER" "$@"; }

# redis-cli against the functions' Redis (TLS, AUTH).
redis_app() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --tls --cacert "$REDIS_CA_FILE" -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
