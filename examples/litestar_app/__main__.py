"""``python -m examples.litestar_app``: the reference service's command line.

Run from a clone where the package is not installed, it says how to run it
instead of a ``ModuleNotFoundError`` traceback.
"""

import sys

HINT = (
    "examples.litestar_app needs the pa-platform package installed: run "
    "`nox -s manage -- {args}` from the repository root, "
    "or `pip install -e '.[app]'` in a virtual environment first."
)
"""The one line printed when ``pa_core``, ``pa_sms`` or a dependency of the app is missing."""

if __name__ == "__main__":
    try:
        from examples.litestar_app.core.cli import main
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] == "examples":
            raise
        print(HINT.format(args=" ".join(sys.argv[1:]) or "--help"), file=sys.stderr)
        raise SystemExit(1) from None
    raise SystemExit(main())
