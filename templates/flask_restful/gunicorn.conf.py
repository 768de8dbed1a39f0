"""gunicorn settings; every value can be overridden from the environment or the command line."""

import math
import os
from pathlib import Path


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
