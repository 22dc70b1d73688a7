"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

The access log names the path without its query string: searches carry ID numbers and names
(``?q=…``), and logs never do (see ``staff/logging.py`` for the application's own logs)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# The workers' heartbeat file is touched on every request: on tmpfs, not the disk (gunicorn's
# own advice; a disk-backed /tmp can stall a worker).
SHM = "/dev/shm"  # noqa: S108 - gunicorn makes its heartbeat file there with mkstemp
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn reuses its threads, so each keeps its database connection between requests (Django
# defaults to one connection per request, as runserver, which starts a thread per request, needs).
raw_env = [f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '60')}"]
