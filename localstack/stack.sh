#!/usr/bin/env bash
# The local stack without Docker: MariaDB, Redis, a Kafka-protocol broker (nisshi) and the AWS
# emulator (moto). Each is installed if missing and started if not answering; then the database is
# migrated and the tables and topics are created. Usage: stack.sh up | down | status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

# The local CA and a certificate for 127.0.0.1 / localhost, made once per checkout (ten years).
up_tls() {
  [ -s "$TLS_DIR/server.pem" ] && [ -s "$TLS_DIR/ca.pem" ] && return 0
  command -v openssl >/dev/null || apt_install openssl
  log "making the local CA and server certificate in $TLS_DIR"
  local tmp; tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 3650 -subj "/CN=booking local CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$tmp/server.key" -out "$tmp/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tmp/ext.cnf"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
    -out "$tmp/server.pem" -days 3650 -extfile "$tmp/ext.cnf" 2>/dev/null
  mkdir -p "$TLS_DIR"
  # The CA's own key is not kept; the server's is the stack's alone.
  cp "$tmp/ca.pem" "$tmp/server.pem" "$tmp/server.key" "$TLS_DIR/"
  chmod 644 "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" && chmod 600 "$TLS_DIR/server.key"
  rm -rf "$tmp"
}

# The stack's own MariaDB server: its data in $MYSQL_DIR, its settings in one file beside it (the
# machine's /etc/mysql is not read), TLS on, listening on 127.0.0.1:$DB_PORT and its own socket.
# Run as the OS user who runs the scripts. The same character set and collation as Debian's
# server, which the query data in .sqlx/ was made on.
mysql_cnf() {
  cat >"$STATE_DIR/mysql.cnf" <<CNF
[mariadbd]
user=$(id -un)
datadir=$MYSQL_DIR
socket=$DB_SOCKET
pid-file=$STATE_DIR/run/mysqld.pid
log-error=$STATE_DIR/logs/mariadb.log
port=$DB_PORT
bind-address=$DB_HOST
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
ssl_ca=$TLS_DIR/ca.pem
ssl_cert=$TLS_DIR/server.pem
ssl_key=$TLS_DIR/server.key
CNF
}

# The stack's accounts: the functions' (TLS only) and the benchmark's (it measures the data path
# as its earlier figures did, in plaintext), each with every right on the stack's own databases
# and none elsewhere. `\_` is a literal underscore in a grant's database name.
mysql_accounts() {
  local db grants=""
  for db in booking fuzz 'test\_%' 'sqlx\_offline\_data\_%'; do
    grants+="GRANT ALL PRIVILEGES ON \`$db\`.* TO 'booking_app'@'%';"
  done
  mysql_admin -e "CREATE USER IF NOT EXISTS 'booking_app'@'%' IDENTIFIED BY '$APP_DB_PASSWORD' REQUIRE SSL;
    ALTER USER 'booking_app'@'%' IDENTIFIED BY '$APP_DB_PASSWORD' REQUIRE SSL; $grants
    CREATE USER IF NOT EXISTS 'booking_bench'@'%' IDENTIFIED BY '$BENCH_DB_PASSWORD';
    ALTER USER 'booking_bench'@'%' IDENTIFIED BY '$BENCH_DB_PASSWORD';
    GRANT ALL PRIVILEGES ON \`bench%\`.* TO 'booking_bench'@'%';"
}

up_mysql() {
  if ! mysql_admin -e 'SELECT 1' >/dev/null 2>&1; then
    if ! [ -x /usr/sbin/mariadbd ] || ! command -v mariadb-install-db >/dev/null; then
      # The server's files alone: Debian's mariadb-server package would also start a service.
      log "installing MariaDB's server binaries (Debian's mariadb-server-core, no service)"
      apt_install mariadb-server-core mariadb-client
    fi
    taken "$DB_HOST" "$DB_PORT"
    mkdir -p "$STATE_DIR/run"
    mysql_cnf
    if [ ! -d "$MYSQL_DIR/mysql" ]; then
      log "making the stack's MariaDB data directory ($MYSQL_DIR)"
      rm -rf "$MYSQL_DIR"
      # The administrator is the OS user running this, over the socket only (unix_socket).
      mariadb-install-db --defaults-file="$STATE_DIR/mysql.cnf" --auth-root-authentication-method=socket \
        --auth-root-socket-user="$(id -un)" --skip-test-db >"$STATE_DIR/logs/mariadb-install.log" 2>&1 \
        || { tail -20 "$STATE_DIR/logs/mariadb-install.log"; exit 1; }
    fi
    log "starting the stack's MariaDB on $DB_HOST:$DB_PORT (data in $MYSQL_DIR)"
    setsid nohup /usr/sbin/mariadbd --defaults-file="$STATE_DIR/mysql.cnf" >/dev/null 2>&1 &
    local i; for ((i = 0; i < 600; i++)); do mysql_admin -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
    mysql_admin -e 'SELECT 1' >/dev/null || { tail -20 "$STATE_DIR/logs/mariadb.log"; exit 1; }
  fi
  mysql_accounts
  mysql_admin -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`"
  log "MariaDB ready ($DB_HOST:$DB_PORT/$DB_NAME, functions as $DB_USER, TLS $DB_SSL_MODE)"
}

# A server this stack must start itself (its TLS certificate or data are this checkout's) finds
# its port free, or stops here: another checkout's stack, or anything else, keeps it.
taken() {
  port_open "$1" "$2" || return 0
  log "something else answers on $1:$2 (another checkout's stack? 'bash localstack/stack.sh down' there)"
  exit 1
}

# True when the process in .local/run/$1.pid is alive.
alive() { [ -f "$STATE_DIR/run/$1.pid" ] && kill -0 "$(cat "$STATE_DIR/run/$1.pid")" 2>/dev/null; }

up_plain_redis() {
  if ! redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null || { log "installing Redis"; apt_install redis-server; }
    log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$STATE_DIR/run" --logfile "$STATE_DIR/logs/redis-plain.log" --pidfile "$STATE_DIR/run/redis-plain.pid"
    wait_port "$REDIS_HOST" "$REDIS_PORT"
  fi
  log "Redis ready ($REDIS_HOST:$REDIS_PORT)"
}

# The functions' Redis: TLS only (no plaintext port) and AUTH, as ElastiCache with in-transit
# encryption. A plaintext setup (REDIS_URL=redis://...) uses up_plain_redis alone.
up_redis() {
  command -v redis-server >/dev/null || { log "installing Redis"; apt_install redis-server; }
  if [ "${REDIS_URL#rediss://}" = "$REDIS_URL" ]; then up_plain_redis; return; fi
  if ! redis_app ping >/dev/null 2>&1; then
    taken "$REDIS_HOST" "$REDIS_PORT"
    log "starting Redis (TLS only, AUTH) on $REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port 0 --tls-port "$REDIS_PORT" \
      --tls-cert-file "$TLS_DIR/server.pem" --tls-key-file "$TLS_DIR/server.key" --tls-ca-cert-file "$TLS_DIR/ca.pem" \
      --tls-auth-clients no --requirepass "$REDIS_PASSWORD" --save "" --appendonly no \
      --dir "$STATE_DIR/run" --logfile "$STATE_DIR/logs/redis-tls.log" --pidfile "$STATE_DIR/run/redis-tls.pid"
    touch "$STATE_DIR/run/redis.started"
    wait_port "$REDIS_HOST" "$REDIS_PORT"
  fi
  log "Redis ready ($REDIS_HOST:$REDIS_PORT, TLS, AUTH)"
}

# The emulators are tools, not the product: built once per machine with a cheap release profile
# (no LTO, parallel codegen, light optimisation) instead of their own (dynoxide's is fat LTO, one
# codegen unit).
cheap_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false cargo install "$@"
}

# On a new machine the emulators are built from crates.io, and the stack's binaries: all at once
# in the background from the start, each waited for where it is first needed. Their builds have
# long single-threaded stretches (big crates, linking) that the others fill on two cores.
declare -A BUILDS=()
start_builds() {
  local missing=""
  command -v nisshi >/dev/null || missing+=" nisshi"
  command -v dynoxide >/dev/null || missing+=" dynoxide"
  [ -n "$missing" ] || return 0
  command -v cc >/dev/null && command -v make >/dev/null || apt_install build-essential
  log "building$missing from crates.io and the gateway, all at once in the background (14 to 34 minutes on 2 cores, once per machine)"
  case $missing in *nisshi*)
    cheap_install nisshi --version "$NISSHI_VERSION" --locked --no-default-features --features dynostore \
      >"$STATE_DIR/logs/nisshi-install.log" 2>&1 &
    BUILDS[nisshi]=$! ;;
  esac
  case $missing in *dynoxide*)
    cheap_install dynoxide-rs --version "$DYNOXIDE_VERSION" --locked --no-default-features \
      --features native-sqlite,http-server,cli >"$STATE_DIR/logs/dynoxide-install.log" 2>&1 &
    BUILDS[dynoxide]=$! ;;
  esac
  # What runs next: the gateway that migrates the database and serves the functions, and msk-gate;
  # one package a build, as they are built later (built together, their dependencies' features
  # would be unified, and the later builds would compile those dependencies again).
  (cd "$REPO_DIR" && cargo build -q --locked -p local-gateway && cargo build -q --locked -p msk-gate) \
    >"$STATE_DIR/logs/workspace-build.log" 2>&1 &
  BUILDS[workspace]=$!
}

# Waits for a build start_builds began (nothing if it did not); its log's end if it failed.
await_build() {
  local pid=${BUILDS[$1]:-}
  [ -n "$pid" ] || return 0
  wait "$pid" || { tail -30 "$STATE_DIR/logs/$1"*.log; exit 1; }
  unset "BUILDS[$1]"
  log "built $1"
}

# Kafka: the broker (nisshi) listens in plaintext on KAFKA_BROKER_ADDR and advertises
# KAFKA_BOOTSTRAP_SERVERS, where msk-gate (localstack/msk-gate) plays MSK's IAM listener: TLS with
# the local certificate, then an MSK IAM token, checked, before anything reaches the broker.
up_kafka() {
  local host=${KAFKA_BOOTSTRAP_SERVERS%%:*} port=${KAFKA_BOOTSTRAP_SERVERS##*:}
  local inner_host=${KAFKA_BROKER_ADDR%%:*} inner_port=${KAFKA_BROKER_ADDR##*:}
  await_build nisshi
  if ! port_open "$inner_host" "$inner_port"; then
    log "starting Kafka broker (nisshi)"
    # setsid: a Ctrl-C meant for run.sh's gateway must not reach the services.
    setsid nohup nisshi broker --listener-url "tcp://$KAFKA_BROKER_ADDR" --advertised-listener-url "tcp://$host:$port" \
      --storage-engine memory://tansu/ >"$STATE_DIR/logs/kafka.log" 2>&1 &
    echo $! >"$STATE_DIR/run/kafka.pid"
    wait_port "$inner_host" "$inner_port"
  fi
  if ! alive msk-gate; then
    taken "$host" "$port"
    log "building and starting msk-gate (TLS + MSK IAM auth in front of the broker)"
    await_build workspace
    (cd "$REPO_DIR" && cargo build -q --locked -p msk-gate) || exit 1
    setsid nohup "$REPO_DIR/target/debug/msk-gate" --listen "$host:$port" --broker "$KAFKA_BROKER_ADDR" \
      --cert "$TLS_DIR/server.pem" --key "$TLS_DIR/server.key" >"$STATE_DIR/logs/msk-gate.log" 2>&1 &
    echo $! >"$STATE_DIR/run/msk-gate.pid"
    wait_port "$host" "$port"
  fi
  grep -v '^#' "$LOCALSTACK_DIR/kafka/topics.txt" | while read -r name parts; do
    [ -n "$name" ] || continue
    # With KEY_PREFIX (the bench's own slice of the stack), the topics carry it too.
    nisshi topic create "${KEY_PREFIX:-}$name" --partitions "$parts" --broker "tcp://$KAFKA_BROKER_ADDR" >/dev/null 2>&1 || true
  done
  log "Kafka ready ($KAFKA_BOOTSTRAP_SERVERS: TLS, MSK IAM auth; broker on $KAFKA_BROKER_ADDR)"
}

up_dynamodb() {
  local hostport=${AWS_ENDPOINT_URL_DYNAMODB#http://}
  await_build dynoxide
  if ! port_open "${hostport%%:*}" "${hostport##*:}"; then
    log "starting the DynamoDB emulator (dynoxide, in memory)"
    setsid nohup dynoxide serve --host "${hostport%%:*}" --port "${hostport##*:}" --log quiet \
      >"$STATE_DIR/logs/dynoxide.log" 2>&1 &
    echo $! >"$STATE_DIR/run/dynoxide.pid"
    wait_port "${hostport%%:*}" "${hostport##*:}"
  fi
  log "DynamoDB emulator ready ($AWS_ENDPOINT_URL_DYNAMODB)"
}

# Stripe's webhooks to the gateway at $1, signed with its secret, for the events the endpoint
# handles, as the dashboard's endpoint is registered (docs/DEPLOY.md): not every event of every
# object, which would cost the emulator and the gateway a request each for nothing. One endpoint:
# registering it again moves it (the bench points it at its own gateway while it runs).
stripe_webhooks() {
  local kind events=()
  for kind in payment_intent.succeeded payment_intent.payment_failed charge.refunded \
    charge.dispute.created charge.dispute.updated charge.dispute.closed; do
    events+=(--data-urlencode "events[]=$kind")
  done
  curl -sf -u "${STRIPE_SECRET_KEY:-sk_test_local}:" -X POST "$STRIPE_API_BASE/_config/webhooks/local-gateway" \
    -d "url=http://$1/api/v1/payments/webhook" \
    "${events[@]}" \
    --data-urlencode "secret=$PAYMENT_WEBHOOK_SECRET" >/dev/null \
    || { echo "could not register the webhook endpoint with localstripe" >&2; exit 1; }
}

up_stripe() {
  if [ ! -x "$STRIPE_VENV/bin/localstripe" ]; then
    log "installing localstripe $LOCALSTRIPE_VERSION (Stripe emulator) into $STRIPE_VENV"
    python3 -m venv "$STRIPE_VENV"
    "$STRIPE_VENV/bin/pip" install -q "localstripe==$LOCALSTRIPE_VERSION"
  fi
  local port="${STRIPE_API_BASE##*:}"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    log "starting localstripe"
    # The store lives in memory only and is empty at every start (localstack/stripe/serve.py).
    setsid nohup "$STRIPE_VENV/bin/python" "$LOCALSTACK_DIR/stripe/serve.py" --port "$port" --from-scratch >"$STATE_DIR/logs/localstripe.log" 2>&1 &
    echo $! >"$STATE_DIR/run/localstripe.pid"
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "localstripe did not start (log: $STATE_DIR/logs/localstripe.log)" >&2; exit 1; }
  stripe_webhooks "${GATEWAY_ADDR:-127.0.0.1:8080}"
  log "Stripe emulator ready ($STRIPE_API_BASE, webhooks to the gateway)"
}

install_moto() {
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import moto, boto3' 2>/dev/null; then
    log "installing moto $MOTO_VERSION (AWS emulator) into $VENV"
    command -v python3 >/dev/null || apt_install python3
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv python3-pip; rm -rf "$VENV"; python3 -m venv "$VENV"; }
    "$VENV/bin/pip" install -q "moto[server]==$MOTO_VERSION" boto3
  fi
}

# moto, then the tables (on the DynamoDB emulator: up_dynamodb first) and the SES sender.
up_moto() {
  install_moto
  local hostport=${AWS_ENDPOINT_URL#http://}
  if ! port_open "${hostport%%:*}" "${hostport##*:}"; then
    log "starting moto"
    setsid nohup "$VENV/bin/python" -m moto.server -H "${hostport%%:*}" -p "${hostport##*:}" >"$STATE_DIR/logs/moto.log" 2>&1 &
    echo $! >"$STATE_DIR/run/moto.pid"
    wait_port "${hostport%%:*}" "${hostport##*:}"
  fi
  "$VENV/bin/python" "$LOCALSTACK_DIR/create_resources.py" "$LOCALSTACK_DIR/dynamodb"
  log "AWS emulator ready ($AWS_ENDPOINT_URL)"
}

migrate() {
  (cd "$REPO_DIR" && cargo run -q -p local-gateway -- migrate)
}

stop_pid() {
  local f="$STATE_DIR/run/$1.pid"
  if [ -f "$f" ]; then
    kill "$(cat "$f")" 2>/dev/null && log "stopped $1" || true
    rm -f "$f"
  fi
}

# The Redis Cluster's bus is TLS too, and a node opening it shows a client certificate, which
# the other nodes check (always, whatever tls-auth-clients says). The server certificate is for
# servers only (serverAuth), so the nodes get a client certificate from a CA of their own, which
# only they trust (beside the local CA, which they check each other's server certificate against).
cluster_bus_tls() {
  local d="$STATE_DIR/run/cluster-tls"
  [ -s "$d/trusted.pem" ] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/bus-ca.key" -out "$d/bus-ca.pem" -days 3650 -subj "/CN=booking cluster bus CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$d/node.key" -out "$d/node.csr" -subj "/CN=booking cluster node" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/ext.cnf"
  openssl x509 -req -in "$d/node.csr" -CA "$d/bus-ca.pem" -CAkey "$d/bus-ca.key" -CAcreateserial \
    -out "$d/node.pem" -days 3650 -extfile "$d/ext.cnf" 2>/dev/null
  cat "$TLS_DIR/ca.pem" "$d/bus-ca.pem" >"$d/trusted.pem"
  chmod 600 "$d"/*.key
}

# A 3-shard Redis Cluster, TLS only with AUTH, on 7001-7003, as ElastiCache cluster mode with
# in-transit encryption: the suite's holds, bookings and races run against it too
# (localstack/test.sh), proving that every multi-key script keeps to one slot. Its URL:
# $REDIS_CLUSTER_URL.
up_redis_cluster() {
  local port started="" tls=(--tls --cacert "$TLS_DIR/ca.pem")
  cluster_bus_tls
  for port in 7001 7002 7003; do
    # A plaintext node left by an older stack makes way.
    if port_open 127.0.0.1 "$port" && ! REDISCLI_AUTH="$REDIS_PASSWORD" timeout 3 redis-cli "${tls[@]}" -p "$port" ping >/dev/null 2>&1; then
      REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
      rm -f "$STATE_DIR/run/cluster-$port.conf"
      local i; for ((i = 0; i < 50; i++)); do port_open 127.0.0.1 "$port" || break; sleep 0.1; done
    fi
    if ! port_open 127.0.0.1 "$port"; then
      local d="$STATE_DIR/run/cluster-tls"
      redis-server --daemonize yes --bind 127.0.0.1 --port 0 --tls-port "$port" \
        --tls-cluster yes --tls-replication yes --tls-auth-clients no \
        --tls-cert-file "$TLS_DIR/server.pem" --tls-key-file "$TLS_DIR/server.key" \
        --tls-client-cert-file "$d/node.pem" --tls-client-key-file "$d/node.key" --tls-ca-cert-file "$d/trusted.pem" \
        --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD" \
        --cluster-enabled yes --cluster-config-file "$STATE_DIR/run/cluster-$port.conf" --cluster-node-timeout 5000 \
        --save "" --appendonly no --dir "$STATE_DIR/run" --logfile "$STATE_DIR/logs/redis-$port.log" \
        --pidfile "$STATE_DIR/run/redis-$port.pid"
      started=1
    fi
  done
  for port in 7001 7002 7003; do wait_port 127.0.0.1 "$port"; done
  local cli=(redis-cli "${tls[@]}" -h 127.0.0.1)
  if ! REDISCLI_AUTH="$REDIS_PASSWORD" "${cli[@]}" -p 7001 cluster info 2>/dev/null | grep -q cluster_state:ok; then
    log "forming the Redis Cluster (3 shards)"
    REDISCLI_AUTH="$REDIS_PASSWORD" "${cli[@]}" --cluster create 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 \
      --cluster-replicas 0 --cluster-yes >"$STATE_DIR/logs/redis-cluster-create.log" 2>&1
    local i; for ((i = 0; i < 100; i++)); do
      REDISCLI_AUTH="$REDIS_PASSWORD" "${cli[@]}" -p 7001 cluster info | grep -q cluster_state:ok && break; sleep 0.1
    done
  fi
  [ -z "$started" ] || touch "$STATE_DIR/run/redis-cluster.started"
  log "Redis Cluster ready (127.0.0.1:7001-7003, TLS, AUTH)"
}

case "${1:-up}" in
  up)
    start_builds; up_tls; up_mysql; up_redis; install_moto; up_stripe; up_kafka; up_dynamodb; up_moto
    await_build workspace; migrate
    log "stack is up" ;;
  services)
    start_builds; up_tls; up_mysql; up_redis; install_moto; up_stripe; up_kafka; up_dynamodb; up_moto
    await_build workspace ;;
  cluster)
    up_tls; up_redis_cluster ;;
  down)
    stop_pid gateway; stop_pid msk-gate; stop_pid kafka; stop_pid dynoxide; stop_pid moto; stop_pid localstripe
    stop_pid redis-plain
    if [ -f "$STATE_DIR/run/redis.started" ]; then
      redis_app shutdown nosave >/dev/null 2>&1 || true
      rm -f "$STATE_DIR/run/redis.started"; log "stopped Redis"
    fi
    if [ -f "$STATE_DIR/run/redis-cluster.started" ]; then
      for port in 7001 7002 7003; do REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --tls --cacert "$TLS_DIR/ca.pem" -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
      rm -f "$STATE_DIR/run/redis-cluster.started" "$STATE_DIR"/run/cluster-700?.conf; log "stopped the Redis Cluster"
    fi
    if mysql_admin -e 'SHUTDOWN' 2>/dev/null; then
      for ((i = 0; i < 300; i++)); do [ -S "$DB_SOCKET" ] || break; sleep 0.1; done
      log "stopped MariaDB"
    fi
    log "stack is down (the machine's own services were never touched)" ;;
  webhooks)
    stripe_webhooks "${2:?usage: $0 webhooks HOST:PORT}"; log "Stripe's webhooks go to $2" ;;
  status)
    for s in "MariaDB $DB_HOST $DB_PORT" "Redis $REDIS_HOST $REDIS_PORT" "Kafka ${KAFKA_BROKER_ADDR%%:*} ${KAFKA_BROKER_ADDR##*:}" "msk-gate ${KAFKA_BOOTSTRAP_SERVERS%%:*} ${KAFKA_BOOTSTRAP_SERVERS##*:}" "dynoxide 127.0.0.1 ${AWS_ENDPOINT_URL_DYNAMODB##*:}" "moto 127.0.0.1 ${AWS_ENDPOINT_URL##*:}" "localstripe 127.0.0.1 ${STRIPE_API_BASE##*:}"; do
      set -- $s; if port_open "$2" "$3"; then echo "$1: up ($2:$3)"; else echo "$1: down"; fi
    done ;;
  *) echo "usage: $0 up|down|status|cluster|webhooks HOST:PORT" >&2; exit 2 ;;
esac
