"""gunicorn's gevent worker with psycopg2 made cooperative (psycogreen), for bench/steps.py only.

gevent's monkey-patching covers sockets, so Redis and HTTP calls yield to other greenlets, but
psycopg2 is C code that blocks the whole worker while PostgreSQL answers unless its wait callback
is set: psycogreen sets one that waits through gevent. The services do not use this (they run
gthread, shop_common/gunicorn_base.py); the bench selects it with
`--worker-class psyco_gevent.PsycoGeventWorker --pythonpath bench/workers`.
"""

from gunicorn.workers.ggevent import GeventWorker
from psycogreen.gevent import patch_psycopg


class PsycoGeventWorker(GeventWorker):
    def patch(self) -> None:
        super().patch()
        patch_psycopg()
