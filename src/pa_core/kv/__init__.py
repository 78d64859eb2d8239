"""The key-value contract behind sessions, rate limits, one-time codes and idempotency keys.

:class:`KeyValueStore` is the contract, :class:`MemoryKeyValueStore` the embedded
store. The Redis store lives in :mod:`pa_core.kv.redis` (``redis`` extra) and is
never imported here; :mod:`pa_core.kv.locks` builds a short lock over any store.
"""

from pa_core.kv.base import KeyValueStore, normalize_ttl
from pa_core.kv.memory import MemoryKeyValueStore

__all__ = ["KeyValueStore", "MemoryKeyValueStore", "normalize_ttl"]
