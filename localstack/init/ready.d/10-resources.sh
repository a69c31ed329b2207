#!/usr/bin/env bash
# LocalStack init hook (docker compose): the same DynamoDB tables as the native stack, from the same
# definitions (mounted at /etc/localstack/dynamodb). Kafka topics are created by compose's kafka-init.
set -euo pipefail
pip install -q boto3 2>/dev/null || true
AWS_ENDPOINT_URL=http://localhost:4566 python3 /etc/localstack/create_resources.py /etc/localstack/dynamodb
