"""gunicorn settings for session-service: the shared ones, and what differs here."""

import os

from shop_common.gunicorn_base import *  # noqa: F403 - gunicorn reads this module's globals
from shop_common.json_logs import set_process_service

# Names gunicorn's own JSON lines (boot, worker exits), written before the app has named its process.
set_process_service("session-service")

# Redis and the catalog-service call are blocking I/O, served by gthread's threads (the base's).

# Whose X-Forwarded-Proto sets the request's scheme (its cookies are Secure over HTTPS). The gateway's
# address is assigned at run time in compose, Swarm and Kubernetes, so it cannot be listed: any peer
# is trusted. What makes that safe: browsers reach this port only through the gateway, which sets
# X-Forwarded-Proto itself on every request (and clears X-Forwarded-Ssl and X-Forwarded-Protocol);
# anything else that reaches the port (the backend network, the host's loopback port) only chooses
# the attributes of its own cookies. FORWARDED_ALLOW_IPS narrows it where the address is known.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
