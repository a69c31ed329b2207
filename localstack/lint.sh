#!/usr/bin/env bash
# Lints template.yaml with `sam validate --lint` (SAM CLI + cfn-lint, offline) and scans it with
# checkov (every check passes or is skipped in the template with its reason), and validates
# docs/openapi.yaml as OpenAPI 3.1, installing the tools into the project's venvs when missing
# (checkov in one of its own: its pins and the SAM CLI's do not agree).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SAM_VERSION=1.170.0
VALIDATOR_VERSION=0.9.0
CHECKOV_VERSION=3.3.30
CHECKOV_VENV="$STATE_DIR/checkov-venv"
if [ ! -x "$VENV/bin/sam" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  log "installing the SAM CLI $SAM_VERSION and openapi-spec-validator into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "aws-sam-cli==$SAM_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi
if [ ! -x "$CHECKOV_VENV/bin/checkov" ]; then
  log "installing checkov $CHECKOV_VERSION into $CHECKOV_VENV"
  python3 -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/pip" install -q "checkov==$CHECKOV_VERSION"
fi
cd "$REPO_DIR"
SAM_CLI_TELEMETRY=0 "$VENV/bin/sam" validate --lint --template template.yaml
# Offline: no download of guidelines or external checks.
"$CHECKOV_VENV/bin/checkov" -f template.yaml --framework cloudformation --compact --quiet --skip-download
"$VENV/bin/openapi-spec-validator" docs/openapi.yaml
