#!/usr/bin/python3
"""Python oslo.messaging's Notifier and NotificationListener for scripts/bench-notify.mjs.

usage: oslo_notify_bench.py send URL TOPIC COUNT
       oslo_notify_bench.py receive URL TOPIC COUNT
Prints one JSON line {"count": N, "ms": elapsed} (send: COUNT info notifications with the
messagingv2 driver, one after the other as the API does; receive: from listener start until COUNT
notifications reached the endpoint).
"""
import json
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as messaging


def transport(url):
    conf = cfg.ConfigOpts()
    conf([], project="oslo-node-bench")
    return messaging.get_notification_transport(conf, url=url)


def send(url, topic, count):
    tr = transport(url)
    notifier = messaging.Notifier(tr, publisher_id="bench.python", driver="messagingv2", topics=[topic])
    payload = {"instance_id": "i-0123456789", "state": "active", "n": 0}
    notifier.info({}, "bench.warmup", payload)
    start = time.monotonic()
    for n in range(count):
        payload["n"] = n
        notifier.info({}, "bench.event", payload)
    elapsed = (time.monotonic() - start) * 1000
    print(json.dumps({"count": count, "ms": elapsed}), flush=True)
    tr.cleanup()


def receive(url, topic, count):
    tr = transport(url)
    done = threading.Event()
    seen = [0]
    lock = threading.Lock()

    class Endpoint(object):
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            with lock:
                seen[0] += 1
                if seen[0] >= count:
                    done.set()

    listener = messaging.get_notification_listener(tr, [messaging.Target(topic=topic)], [Endpoint()], executor="threading")
    start = time.monotonic()
    listener.start()
    done.wait()
    elapsed = (time.monotonic() - start) * 1000
    print(json.dumps({"count": seen[0], "ms": elapsed}), flush=True)
    listener.stop()
    listener.wait()
    tr.cleanup()


if __name__ == "__main__":
    mode, url, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    {"send": send, "receive": receive}[mode](url, topic, count)
