#!/usr/bin/env python3
"""Verifies a webhook message with the Standard Webhooks reference library (PyPI
`standardwebhooks`): reads {"secret", "headers", "body"} as JSON on standard input, prints
the verified payload's `type`, exits 1 naming what is wrong."""
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

m = json.load(sys.stdin)
try:
    payload = Webhook(m["secret"]).verify(m["body"], m["headers"])
except (WebhookVerificationError, ValueError) as e:
    print(f"not verified: {e}", file=sys.stderr)
    sys.exit(1)
print(payload["type"])
