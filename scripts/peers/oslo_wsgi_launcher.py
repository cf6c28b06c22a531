#!/usr/bin/python3
"""The Python peer of our launcher for scripts/bench.mjs: oslo.service's ProcessLauncher forking N
children, each serving a hello WSGI app with oslo_service.wsgi.Server (eventlet), as nova-api did.

usage: oslo_wsgi_launcher.py [--workers 2] [--host 127.0.0.1] [--port 0]

Prints JSON lines on stdout, like `node dist/launcher.js`:
  {"msg": "worker ready", "workerPid": P}              each child, once its server runs
  {"msg": "launcher ready", "port": N, "pids": [...]}  the primary, once the first N children run
Signals are oslo's own: SIGTERM graceful stop, SIGHUP reload (every child stopped at once and
forked again), a killed child is re-forked (with oslo's fork-storm limiter).
The hello app sends the same bytes as scripts/lib/hello-app.mjs. The access log is left at
oslo's default (INFO on `eventlet.wsgi.server`), but no logging handler is configured, so
nothing below WARNING is printed.
"""
import argparse
import json
import os

import eventlet

eventlet.monkey_patch()

from oslo_config import cfg  # noqa: E402 - after monkey_patch, as oslo services do
from oslo_service import service  # noqa: E402
from oslo_service import wsgi  # noqa: E402

BODY = b"hello world\n"


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(BODY)))])
    return [BODY]


def say(**fields):
    # One write(2) per line: atomic on a pipe, so lines of several processes never interleave.
    os.write(1, (json.dumps(fields) + "\n").encode())


class HelloServer(wsgi.Server):
    """wsgi.Server that reports, from the child, when it serves."""

    def __init__(self, conf, ready_fd, host, port):
        super().__init__(conf, "hello", hello, host=host, port=port)
        self._ready_fd = ready_fd

    def start(self):
        super().start()
        say(msg="worker ready", workerPid=os.getpid())
        os.write(self._ready_fd, b"%d\n" % os.getpid())


def announce_when_ready(read_fd, workers, port):
    """In the primary: read child pids from the pipe; print `launcher ready` after N of them."""
    os.set_blocking(read_fd, False)
    pids = []
    buffer = b""
    while len(pids) < workers:
        chunk = os.read(read_fd, 4096)  # green: waits in the hub, the respawn loop keeps running
        if not chunk:
            return
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        pids.extend(int(line) for line in lines if line)
    say(msg="launcher ready", port=port, pids=pids[:workers], pid=os.getpid())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    conf = cfg.ConfigOpts()
    conf([], project="oslo-node-bench")
    read_fd, write_fd = os.pipe()
    server = HelloServer(conf, write_fd, args.host, args.port)
    launcher = service.ProcessLauncher(conf, restart_method="reload")
    eventlet.spawn(announce_when_ready, read_fd, args.workers, server.port)
    launcher.launch_service(server, workers=args.workers)
    launcher.wait()


if __name__ == "__main__":
    main()
