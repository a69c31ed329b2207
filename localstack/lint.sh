#!/usr/bin/env bash
# Lints template.yaml with `sam validate --lint` (SAM CLI + cfn-lint, offline) and validates
# docs/openapi.yaml as OpenAPI 3.1, installing both tools into the project's venv when missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SAM_VERSION=1.170.0
VALIDATOR_VERSION=0.9.0
if [ ! -x "$VENV/bin/sam" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  log "installing the SAM CLI $SAM_VERSION and openapi-spec-validator into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "aws-sam-cli==$SAM_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"
fi
cd "$REPO_DIR"
SAM_CLI_TELEMETRY=0 "$VENV/bin/sam" validate --lint --template template.yaml
"$VENV/bin/openapi-spec-validator" docs/openapi.yaml
