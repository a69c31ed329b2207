"""Runs localstripe (the Stripe emulator, PyPI) with its store in memory only, listed by type.

Two costs of the upstream store grow with everything stored before a request, which makes a test
run or a benchmark quadratic:
- it pickles the whole store to /tmp/localstripe.pickle after every change (and leaves a file
  outside the project): here the store is never written nor read, it lives and dies with the
  process, which is what `--from-scratch` asks for anyway;
- every list (and a charge's `refunds`, `amount_refunded` and `refunded`, read several times each
  time a charge is shown) scans every key of the store: here each type's objects are also kept in
  an index of their own, in the store's order, and lists read that, newest first as Stripe lists
  (upstream lists oldest first, so a reader that pages from the top, as the daily audit does,
  would meet the oldest objects where Stripe shows the newest).
Arguments are localstripe's.
"""

from collections import defaultdict

from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

# Keys are "<object type>:<id>"; each type's objects, in insertion order.
_by_type = defaultdict(dict)


def _set(self, key, value):
    dict.__setitem__(self, key, value)
    _by_type[key.split(":", 1)[0]][key] = value


def _delete(self, key):
    dict.__delitem__(self, key)
    _by_type[key.split(":", 1)[0]].pop(key, None)


def _clear(self):
    dict.clear(self)
    _by_type.clear()


def _list_all(cls, url, limit=None, starting_after=None, **kwargs):
    if kwargs:
        raise resources.UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
    li = resources.List(url, limit=limit, starting_after=starting_after)
    li._list = list(reversed(_by_type[cls.object].values()))
    return li


resources.Store.__setitem__ = _set
resources.Store.__delitem__ = _delete
resources.Store.clear = _clear
resources.StripeObject._api_list_all = classmethod(_list_all)

if __name__ == "__main__":
    server.start()
