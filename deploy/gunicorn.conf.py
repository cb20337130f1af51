"""gunicorn for Pamoja: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Used by deploy/systemd/pamoja-web@.service, one instance per port behind
deploy/nginx/pamoja.conf (README, "Production"). Every value can be changed
from the environment (deploy/pamoja.env.example) without editing this file.
"""

import multiprocessing
import os

# The systemd unit sets GUNICORN_BIND=127.0.0.1:<port> from its instance name.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001").split(",")

# Sync workers: every request is short (the slow work, rendering and mail, is
# done by Celery), and nginx buffers requests and responses, so a slow 2G
# client never holds a worker. The classic 2 × cores + 1: 5 on two cores.
worker_class = "sync"
workers = int(
    os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1))
)
# Bulk verification of 10,000 codes is the slowest request (about 1.3 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the upstream open

# Recycle each worker after about a thousand requests, not all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10

# nginx on this machine is the only proxy allowed to say "this was HTTPS"
# (X-Forwarded-Proto); others are ignored. A load balancer on another machine
# in front of the web machines: set FORWARDED_ALLOW_IPS to its address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No preloading: the application imports nothing that needs warming in the
# master (config/wsgi.py only builds Django's handler; keys and fonts load on
# first use, keys under a file lock), and without preloading `kill -HUP`
# (systemctl reload) starts new workers on the new code, gracefully.
preload_app = False

# The heartbeat file in memory, not on disk (systemd's PrivateTmp= is fine too).
SHM = "/dev/shm"  # noqa: S108 - gunicorn's own advice; a file per worker, 0600
if os.path.isdir(SHM):
    worker_tmp_dir = SHM

# Several instances run on one machine: gunicorn's control socket would be one
# path for all of them (in $HOME, which the unit makes read-only). Not used.
control_socket_disable = True

# Logs to stdout/stderr, i.e. the journal. The access log has the path
# without its query string, and no Referer: either may carry a token.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def post_worker_init(worker):
    """Load the signing keys in each new worker, before its first request."""
    try:
        from certificates import keys

        keys.get_keyset()
    except Exception:  # noqa: BLE001 - a request that needs them will say why
        worker.log.exception("signing keys not loaded at start")
