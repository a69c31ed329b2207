#!/usr/bin/env bash
# Lints template.yaml with `sam validate --lint` (SAM CLI + cfn-lint, offline), installing the SAM CLI
# into the project's venv when missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SAM_VERSION=1.170.0
if [ ! -x "$VENV/bin/sam" ]; then
  log "installing the SAM CLI $SAM_VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "aws-sam-cli==$SAM_VERSION"
fi
cd "$REPO_DIR"
SAM_CLI_TELEMETRY=0 "$VENV/bin/sam" validate --lint --template template.yaml
