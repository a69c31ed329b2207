"""Runs localstripe (the Stripe emulator, PyPI) with its store in memory only.

localstripe pickles its whole store to /tmp/localstripe.pickle after every change, so each request
costs time in proportion to everything stored before it (quadratic over a test run or a benchmark)
and leaves a file outside the project. Here the store is never written nor read: it lives and dies
with the process, which is what `--from-scratch` asks for anyway. Arguments are localstripe's.
"""

from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

if __name__ == "__main__":
    server.start()
