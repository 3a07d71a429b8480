"""A pick consumer as integrators usually write one, the baseline of the
benchmarks (test/bench/bench.py): confluent-kafka's Consumer with its
defaults (auto commit), fastavro for the Avro body, and urllib for Odoo's
JSON-2 API. Per event, in sequence: one search_read for the picking's
moves of the event's products, and one write of quantity and picked per
line (one for the benchmark's one-line events). No state check, no
validation, no dedup, no retry: what a first integration does.

    python baseline_consumer.py --brokers B --topic T --group G \
        --odoo-url URL --odoo-db DB --api-key-file F --count N \
        --schema avro-schemas/picks/PickConfirmed.v2.avsc

Stops after N events (or --timeout seconds) and prints one JSON object:
events, calls, first_done and last_done (epoch seconds, when the first and
the last event were finished), errors.
"""
import argparse
import io
import json
import sys
import time
import urllib.request

import fastavro
from confluent_kafka import Consumer


def main():
    ap = argparse.ArgumentParser()
    for name in ("brokers", "topic", "group", "odoo-url", "odoo-db",
                 "api-key-file", "schema"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    with open(args.api_key_file) as f:
        key = f.read().strip()
    with open(args.schema) as f:
        schema = fastavro.parse_schema(json.load(f))
    headers = {"Authorization": "bearer " + key,
               "X-Odoo-Database": args.odoo_db,
               "Content-Type": "application/json"}
    calls = 0

    def odoo(model, method, body):
        nonlocal calls
        calls += 1
        req = urllib.request.Request(
            "%s/json/2/%s/%s" % (args.odoo_url, model, method),
            data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    consumer = Consumer({"bootstrap.servers": args.brokers,
                         "group.id": args.group,
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([args.topic])
    done = errors = 0
    first_done = last_done = None
    deadline = time.time() + args.timeout
    try:
        while done < args.count and time.time() < deadline:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            ev = fastavro.schemaless_reader(io.BytesIO(msg.value()[5:]),
                                            schema)
            try:
                codes = [l["product_code"] for l in ev["lines"]]
                moves = odoo("stock.move", "search_read", {
                    "domain": [["picking_id.name", "=", ev["picking_name"]],
                               ["product_id.default_code", "in", codes]],
                    "fields": ["id", "product_id"]})
                for line in ev["lines"]:
                    tag = "[%s]" % line["product_code"]
                    odoo("stock.move", "write", {
                        "ids": [m["id"] for m in moves
                                if tag in (m["product_id"] or [0, ""])[1]],
                        "vals": {"quantity": line["quantity"],
                                 "picked": True}})
            except Exception as e:  # a first integration logs and goes on
                errors += 1
                print("event %s: %s" % (ev.get("event_id"), e),
                      file=sys.stderr)
            done += 1
            last_done = time.time()
            if first_done is None:
                first_done = last_done
    finally:
        consumer.close()
    print(json.dumps({"events": done, "calls": calls, "errors": errors,
                      "first_done": first_done, "last_done": last_done}))


if __name__ == "__main__":
    main()
