"""Short-lived caches kept in each process (Django's default cache, docs/performance.md).
An entry may also hold how many times rows of some models were saved or deleted in this
process, so that such a change made here shows at once; other processes show it when their
entry expires."""

import hashlib

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

CACHE_SECONDS = 60
_counts: dict = {}  # model → how many times its rows were saved or deleted in this process


def cached(prefix, identity, make, *, models=(), seconds=CACHE_SECONDS):
    """What make() returns, kept `seconds` under `identity` (anything with a stable str())
    and the change counts of `models`."""
    for model in models:
        _watch(model)
    counts = [_counts[model] for model in models]
    key = f"jianyi:{prefix}:" + hashlib.sha256(f"{identity!s}|{counts}".encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, seconds)
    return value


def _watch(model):
    if model in _counts:
        return
    _counts[model] = 0

    def changed(**kwargs):
        _counts[model] += 1

    for signal in (post_save, post_delete):
        signal.connect(changed, sender=model, weak=False, dispatch_uid=f"jianyi-changes-{model._meta.label}")
