# Source me: `source localstack/tools.sh`. Installs cargo-lambda and the SAM CLI into the project's
# venv if missing, and puts them on PATH with the local stack's environment (localstack/env.sh).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
if [ ! -x "$VENV/bin/cargo-lambda" ] || [ ! -x "$VENV/bin/sam" ]; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "cargo-lambda==1.9.2" "aws-sam-cli==1.170.0"
fi
export PATH="$VENV/bin:$PATH" SAM_CLI_TELEMETRY=0
