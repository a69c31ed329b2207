#!/usr/bin/env bash
# Command 1: set up and run the whole system locally. Installs and starts the stack, builds and
# starts the local gateway on 127.0.0.1:8080, seeds a demo event, and prints a token and sample
# requests. Ctrl-C stops the gateway; `bash localstack/stack.sh down` stops the rest.
# With --detach the gateway keeps running in the background.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
GATEWAY_ADDR="${GATEWAY_ADDR:-127.0.0.1:8080}"
export GATEWAY_ADDR DB_MAX_CONNECTIONS="${DB_MAX_CONNECTIONS:-16}"
bash "$LOCALSTACK_DIR/stack.sh" up
command -v curl >/dev/null || apt_install curl

cd "$REPO_DIR"
# The gateway runs every function's handler in-process: it is the one binary to build and run
# (the test command builds the functions' own binaries).
log "building the local gateway"
cargo build -q -p local-gateway
gw="$REPO_DIR/target/debug/local-gateway"
if [ -f "$STATE_DIR/run/gateway.pid" ]; then kill "$(cat "$STATE_DIR/run/gateway.pid")" 2>/dev/null || true; sleep 0.5; fi
"$gw" serve >"$STATE_DIR/logs/gateway.log" 2>&1 &
echo $! >"$STATE_DIR/run/gateway.pid"
wait_port "${GATEWAY_ADDR%%:*}" "${GATEWAY_ADDR##*:}"

base="http://$GATEWAY_ADDR/api/v1"
admin=$("$gw" token --user admin-1 --admin)
user=$("$gw" token --user user-1)
event=$(curl -sf -X POST "$base/events" -H "Authorization: Bearer $admin" -H 'content-type: application/json' -d '{
  "name": "Demo night", "venue": "Local Arena", "startsAt": "2027-06-01T19:30:00Z", "maxSeatsPerOrder": 6,
  "fees": {"perTicketCents": 250, "perOrderCents": 300}, "taxRateBps": 2000,
  "sections": [
    {"name": "VIP", "rows": 3, "seatsPerRow": 10, "priceCents": 15000, "category": "vip"},
    {"name": "A", "rows": 20, "seatsPerRow": 25, "priceCents": 6500}
  ]}')
event_id=$(printf '%s' "$event" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

cat <<MSG

The system is running: HTTP API at http://$GATEWAY_ADDR (logs: $STATE_DIR/logs/gateway.log)
Demo event: $event_id (530 seats)
The storefront (open in a browser; sign in with any name): http://$GATEWAY_ADDR/
  this event: http://$GATEWAY_ADDR/events/$event_id   my tickets: http://$GATEWAY_ADDR/me
Organiser view (report, cancel): http://$GATEWAY_ADDR/events/$event_id/organiser
  (sign in there with "Organisers" and this token: $admin)
The door (staff scan ticket codes; sign in as door staff): http://$GATEWAY_ADDR/door?event=$event_id
WebSocket: ws://$GATEWAY_ADDR/ws?token=\$TOKEN&eventId=$event_id  then  {"action":"subscribe","eventId":"..."}
Swagger UI: http://$GATEWAY_ADDR/docs   Prometheus metrics: http://$GATEWAY_ADDR/metrics

A user's token (user-1, valid 24 h):
  export TOKEN=$user
An admin's token:
  export ADMIN_TOKEN=$admin
Mint more: $gw token --user alice [--admin]

Try:
  curl -s $base/events/$event_id -H "Authorization: Bearer \$TOKEN"
  curl -s -X POST $base/events/$event_id/holds -H "Authorization: Bearer \$TOKEN" \\
       -H 'content-type: application/json' -d '{"quantity": 2, "section": "VIP"}'
  curl -s "$base/events/$event_id/seats?status=HELD" -H "Authorization: Bearer \$TOKEN"
MSG
echo
echo "Sample request (hold 2 VIP seats as user-1):"
curl -s -X POST "$base/events/$event_id/holds" -H "Authorization: Bearer $user" -H 'content-type: application/json' -d '{"quantity": 2, "section": "VIP"}'
echo; echo
if [ "${1:-}" = "--detach" ]; then
  log "gateway left running (pid $(cat "$STATE_DIR/run/gateway.pid")); stop it with: bash localstack/stack.sh down"
  exit 0
fi
log "Ctrl-C stops the gateway"
trap 'kill $(cat "$STATE_DIR/run/gateway.pid") 2>/dev/null; rm -f "$STATE_DIR/run/gateway.pid"' INT TERM EXIT
wait
