"""Create the DynamoDB tables (with TTL) from localstack/dynamodb/*.json against an AWS endpoint.

Used by stack.sh against moto, and by the LocalStack init hook, so both stacks get the same tables.
Idempotent: existing tables are left as they are.
"""
import glob
import json
import os
import sys

import boto3

endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
# DynamoDB may have an emulator of its own (stack.sh: dynoxide), as the SDKs read it.
ddb_endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "dynamodb")
ddb = boto3.client("dynamodb", endpoint_url=ddb_endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))
existing = set(ddb.list_tables()["TableNames"])
for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
    spec = json.load(open(path))
    name = spec["table"]["TableName"]
    if name in existing:
        continue
    ddb.create_table(**spec["table"])
    if spec.get("ttlAttribute"):
        ddb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec["ttlAttribute"]},
        )
    print(f"created table {name}")

# The notifications function sends from NOTIFY_FROM, which SES requires to be a verified identity.
sender = os.environ.get("NOTIFY_FROM", "tickets@example.com")
ses = boto3.client("ses", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))
if sender not in ses.list_identities(IdentityType="EmailAddress")["Identities"]:
    ses.verify_email_identity(EmailAddress=sender)
    print(f"verified SES sender {sender}")
