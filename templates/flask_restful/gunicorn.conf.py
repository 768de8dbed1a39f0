"""gunicorn settings; every value can be overridden from the environment or the command line."""

import ctypes
import math
import os
import socket
import struct
import sys
from pathlib import Path
from types import FrameType

from gunicorn.workers.sync import SyncWorker  # type: ignore[import-untyped]


def cpu_limit() -> int:
    """The CPUs this process may use: its CPU affinity, capped by its cgroup's CPU quota.

    `os.cpu_count()` counts the machine's CPUs: in a container limited to one CPU on a 64-CPU
    node, it would start 129 workers. Kubernetes' `limits.cpu`, Compose's `cpus` and
    `docker run --cpus` all set the quota in `cpu.max` (cgroup v2); a fraction rounds up.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()
    except (OSError, ValueError):
        return cpus
    if quota == "max":
        return cpus
    return max(1, min(cpus, math.ceil(int(quota) / int(period))))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * cpu_limit() + 1, 8))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in progress get this long to finish. The deployment's stop timeouts
# (Compose's stop_grace_period, Kubernetes' terminationGracePeriodSeconds) allow for it.
graceful_timeout = 30
# The application logs one JSON line per request itself.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The application trusts X-Forwarded-Proto from the proxy in front of it (werkzeug's ProxyFix);
# gunicorn is told the same so that both agree on the scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# No runtime control socket: the supervisor (container runtime, systemd) restarts the service,
# and the service user has no writable home (a container's root filesystem is read-only).
control_socket_disable = True


# Linux's SO_ATTACH_FILTER, with a classic BPF program of one instruction that drops every
# packet (BPF_RET | BPF_K, 0): a listening socket given it queues no new connection.
SO_ATTACH_FILTER = 26
_DROP = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0))
DROP_EVERY_PACKET = struct.pack("HL", 1, ctypes.addressof(_DROP))


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:  # closed meanwhile
        return None


class GracefulWorker(SyncWorker):
    """gunicorn's sync worker that, when the server stops, also serves what is queued for it.

    On SIGTERM gunicorn's master closes its listening sockets and each worker exits after the
    request at hand: connections the kernel had already accepted for the workers would be
    reset. This worker then first stops new connections from queuing (their SYNs are dropped,
    and refused once the last worker exits), serves the queue, and exits. Not when only this
    worker stops (a reload, fewer workers): then the master still listens.
    """

    stopping = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopping = True
        super().handle_exit(sig, frame)

    def run(self) -> None:
        super().run()
        if self.stopping and sys.platform == "linux" and not self.master_listens():
            self.drain()

    def master_listens(self) -> bool:
        """Whether the master still holds the listening socket (Linux's /proc tells)."""
        listening = os.fstat(self.sockets[0].fileno()).st_ino
        try:
            descriptors = list(Path(f"/proc/{self.ppid}/fd").iterdir())
        except OSError:  # not ours to read: assume it does
            return True
        return any(_inode(fd) == listening for fd in descriptors)

    def drain(self) -> None:
        """Queue no new connection, then serve the ones already queued."""
        for listener in self.sockets:
            listener.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, DROP_EVERY_PACKET)
        for listener in self.sockets:
            while True:
                try:
                    client, address = listener.accept()
                except BlockingIOError:
                    break
                client.setblocking(True)
                self.handle(listener, client, address)


worker_class = GracefulWorker
