"""gunicorn's settings for the app (`gunicorn -c python:coursework.serving wsgi:app`, as
`make serve` and the benchmark run it).

The app is loaded once, in the arbiter, and the workers are forked from it: they share the
imported code and the loaded templates and catalogues copy-on-write instead of each loading
its own: in the benchmark a worker's private memory fell from about 95 MB to 39 to 44 MB after
the report's pages, and to 66 to 83 MB after every page (`make bench` prints it). A code change
then needs a restart, not a HUP.
"""

from __future__ import annotations

import gc

preload_app = True


def pre_fork(server, worker) -> None:
    # What the arbiter loaded lives as long as the workers: keep the collector from
    # touching (and so copying) those objects in each worker. Collect first, so no garbage
    # is frozen for good (this runs again whenever a worker is replaced).
    gc.collect()
    gc.freeze()


def post_fork(server, worker) -> None:
    # Connections are per process: drop any the arbiter's pool holds without closing them
    # (closing would end the arbiter's, which the worker shares at fork).
    from coursework.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
