#!/usr/bin/env bash
# Command 2: every test, against the real local stack (started here if it is not up).
# Extra arguments go to `cargo test`, e.g. `bash localstack/test.sh holds::`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
started=$(date +%s)
bash "$LOCALSTACK_DIR/stack.sh" up

# Each test makes its own database and Redis key prefix; clear what earlier runs left behind.
mysql_admin -N -e "SHOW DATABASES LIKE 'test\\_%'" |
  while read -r db; do mysql_admin -e "DROP DATABASE \`$db\`"; done
redis_app --scan --pattern 't????????????.*' |
  while mapfile -t -n 500 keys && [ ${#keys[@]} -gt 0 ]; do redis_app del "${keys[@]}" >/dev/null; done

bash "$LOCALSTACK_DIR/lint.sh"
cd "$REPO_DIR"
log "rustfmt and clippy (warnings are errors)"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -q -- -D warnings
# The query data the SQL macros are checked against must be what the migrations give.
bash "$LOCALSTACK_DIR/sqlx.sh" check
# A test starts this function's binary as Lambda would, to see it refuse to start without secrets.
cargo build -q --locked -p payments-webhook
# The storefront's tests drive Debian's chromium through chromedriver and run axe-core (npm,
# pinned in web/package-lock.json) in its pages.
command -v chromedriver >/dev/null || { log "installing chromium and chromedriver (for the browser tests)"; apt_install chromium chromium-driver; }
command -v npm >/dev/null || { log "installing Node.js and npm (for axe-core)"; apt_install nodejs npm; }
[ -f "$REPO_DIR/web/node_modules/axe-core/axe.min.js" ] || (cd "$REPO_DIR/web" && npm ci --no-audit --no-fund --loglevel=error)

cd "$REPO_DIR"
out="$STATE_DIR/logs/test-output.log"
set +e
# Schema fuzzing of docs/openapi.yaml through a gateway (every operation, user and admin): must
# find nothing. Skipped only when a filter is given (a focused run).
fuzz_failed=0
if [ $# -eq 0 ]; then
  bash "$LOCALSTACK_DIR/fuzz.sh" >"$STATE_DIR/logs/fuzz.log" 2>&1 || fuzz_failed=1
  grep -E "^  [0-9]+ generated|failures in|^Failures" "$STATE_DIR/logs/fuzz.log" | sed 's/^/schemathesis: /'
  [ "$fuzz_failed" = 0 ] || { tail -80 "$STATE_DIR/logs/fuzz.log"; echo "schemathesis found failures (log: $STATE_DIR/logs/fuzz.log)"; }
fi
cargo test --workspace --locked "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
# The same holds, bookings, races and price tiers against a 3-shard Redis Cluster (ElastiCache
# cluster mode with in-transit encryption): every multi-key script must keep to one slot; and the
# TLS tests, so that the cluster is seen to refuse plaintext and a client without the AUTH token.
# `--workspace`, as above: the same features, so nothing is built again for this pass.
if [ $# -eq 0 ]; then
  bash "$LOCALSTACK_DIR/stack.sh" cluster
  REDIS_URL="$REDIS_CLUSTER_URL" REDIS_CLUSTER=true cargo test --workspace --locked --test e2e -- \
    holds:: bookings:: races:: tiers:: tls:: 2>&1 | sed 's/^test result:/test result (Redis Cluster):/' | tee -a "$out"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
fi
[ "$fuzz_failed" = 0 ] || status=1
set -e
passed=$(grep -Eo '[0-9]+ passed' "$out" | awk '{s += $1} END {print s + 0}')
failed=$(( $(grep -Eo '[0-9]+ failed' "$out" | awk '{s += $1} END {print s + 0}') + fuzz_failed ))
echo "tests took $(( $(date +%s) - started )) s"
echo "summary: $passed passed, $failed failed"
exit "$status"
