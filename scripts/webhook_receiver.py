#!/usr/bin/env python3
"""A subscribed system for Waybill's tests: verifies every webhook with the independent
`standardwebhooks` library, parses it with the `cloudevents` SDK, and appends one JSON line per
request to OUT. Answers 500 to the first FAIL_FIRST requests (an outage), then 204, each after
DELAY_MS milliseconds (a slow system; requests are served concurrently).

Usage: webhook_receiver.py PORT SECRET OUT [FAIL_FIRST [DELAY_MS]]
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:  # the SDK's HTTP binding moved under v1 in cloudevents 2.x
    from cloudevents.v1.http import from_http
except ImportError:
    from cloudevents.http import from_http
from standardwebhooks.webhooks import Webhook

port, secret, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fail_first = int(sys.argv[4]) if len(sys.argv) > 4 else 0
delay = int(sys.argv[5]) / 1000 if len(sys.argv) > 5 else 0
webhook = Webhook(secret)
lock = threading.Lock()
state = {"requests": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with lock:
            state["requests"] += 1
            failing = state["requests"] <= fail_first
        record = {"path": self.path, "webhookId": headers.get("webhook-id"), "traceparent": headers.get("traceparent"), "failed": failing}
        try:
            webhook.verify(body, headers)
            record["verified"] = True
        except Exception as error:  # noqa: BLE001 - any verification failure is recorded
            record["verified"] = False
            record["error"] = str(error)
        try:
            event = from_http(headers, body)
            record.update({"id": event["id"], "type": event["type"], "source": event["source"], "subject": event.get("subject")})
        except Exception as error:  # noqa: BLE001
            record["cloudevent_error"] = str(error)
        if delay:
            time.sleep(delay)
        with lock:
            with open(out, "a") as f:
                f.write(json.dumps(record) + "\n")
        self.send_response(500 if failing else 204)
        self.send_header("content-length", "0")
        self.end_headers()


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
