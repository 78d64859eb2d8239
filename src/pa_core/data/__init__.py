"""Data files shipped with ``pa_core`` (read through :mod:`importlib.resources`).

- ``common_passwords.txt``: the password blocklist of :mod:`pa_core.password_policy`.
"""

__all__: list[str] = []
