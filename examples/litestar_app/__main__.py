"""``python -m examples.litestar_app``: the reference service's command line."""

from examples.litestar_app.core.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
