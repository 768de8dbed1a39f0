"""gunicorn settings; every value can be overridden from the environment or the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# The application logs one JSON line per request itself.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The application trusts X-Forwarded-Proto from the proxy in front of it (werkzeug's ProxyFix);
# gunicorn is told the same so that both agree on the scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
# No runtime control socket: the supervisor (container runtime, systemd) restarts the service,
# and the service user may have no writable home for the socket.
control_socket_disable = True
