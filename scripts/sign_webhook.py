#!/usr/bin/env python3
"""Signs a body the way a sender does, with independent implementations, for the tests.

Usage: sign_webhook.py shopify SECRET BODY_FILE            -> prints the X-Shopify-Hmac-Sha256 value
       sign_webhook.py standard SECRET BODY_FILE ID TS      -> prints the webhook-signature value
Shopify's scheme with Python's hmac/hashlib/base64 (as Shopify's docs show it); Standard
Webhooks with the `standardwebhooks` package from PyPI.
"""
import base64
import hashlib
import hmac
import sys
from datetime import datetime, timezone

scheme, secret, path = sys.argv[1], sys.argv[2], sys.argv[3]
body = open(path, "rb").read()
if scheme == "shopify":
    print(base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode())
else:
    from standardwebhooks.webhooks import Webhook

    msg_id, ts = sys.argv[4], int(sys.argv[5])
    print(Webhook(secret).sign(msg_id, datetime.fromtimestamp(ts, tz=timezone.utc), body.decode()))
