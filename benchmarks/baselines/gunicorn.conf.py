"""gunicorn settings of the baselines; the benchmark passes bind, workers and the worker class
(taken from the generated service's own gunicorn.conf.py) on the command line."""

accesslog = None
errorlog = "-"
loglevel = "warning"
forwarded_allow_ips = "127.0.0.1"
