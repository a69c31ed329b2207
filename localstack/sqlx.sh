#!/usr/bin/env bash
# The SQL checked at compile time: `sqlx::query!` and friends check each query against the query
# data in `.sqlx/` (no database is needed to build). This script makes that data from a database
# built from `migrations/` alone, so it says what the migrations and the queries give together.
#   sqlx.sh prepare   write .sqlx/ anew (after changing a query or a migration)
#   sqlx.sh check     fail if .sqlx/ is stale (the test command runs this)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_DIR"
mode="${1:-check}"
# A database of this checkout's own: two checkouts preparing or checking at once on one MariaDB
# must not drop each other's.
db="sqlx_offline_data_$(printf %s "$REPO_DIR" | md5sum | cut -c1-8)"
mysql_admin -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
for f in migrations/*.sql; do mysql_admin "$db" <"$f"; done
out="$(mktemp -d)"
trap 'rm -rf "$out"; mysql_admin -e "DROP DATABASE IF EXISTS $db"' EXIT
# The macros read DATABASE_URL when booking-core compiles, and write what they checked to
# SQLX_OFFLINE_DIR; cargo does not see either change, so the crate is made to compile again.
touch shared/src/lib.rs
DATABASE_URL="mysql://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$db?ssl-mode=verify_identity&ssl-ca=$DB_SSL_CA" \
  SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" cargo check -q --locked -p booking-core
case "$mode" in
  prepare)
    rm -rf .sqlx && mkdir .sqlx && cp "$out"/query-*.json .sqlx/
    log "wrote .sqlx/ ($(ls .sqlx | wc -l) queries)" ;;
  check)
    if ! diff -r -q "$out" .sqlx >/dev/null; then
      diff -r -q "$out" .sqlx || true
      echo "the query data in .sqlx/ is stale: run 'bash localstack/sqlx.sh prepare' and commit it" >&2
      exit 1
    fi
    log "the query data in .sqlx/ matches the migrations and the queries ($(ls .sqlx | wc -l) queries)" ;;
  *) echo "usage: sqlx.sh prepare | check" >&2; exit 2 ;;
esac
