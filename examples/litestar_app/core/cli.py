"""The service's command line: ``serve``, ``sms-worker``, ``migrate``, ``users``, ``sms``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from examples.litestar_app.core.settings import AppSettings
from pa_core.errors import ImproperlyConfigured, NotFound, PAError
from pa_core.migrations import upgrade
from pa_sms import migrations as _sms_migrations  # noqa: F401  (upgrade creates the SMS tables)

__all__ = ["main"]


def _serve(settings: AppSettings, args: argparse.Namespace) -> int:
    import uvicorn

    upgrade(settings.effective_database_url)
    uvicorn.run(
        "examples.litestar_app.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=False,  # the app decides whom to believe (PA_TRUSTED_PROXIES)
        log_level="info",
    )
    return 0


def _serve_sms(settings: AppSettings, args: argparse.Namespace) -> int:
    import uvicorn

    upgrade(settings.effective_database_url)
    uvicorn.run(
        "examples.litestar_app.sms_app:create_sms_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.sms_port,
        proxy_headers=False,  # the app decides whom to believe (PA_TRUSTED_PROXIES)
        log_level="info",
    )
    return 0


async def _run_sms_worker(settings: AppSettings) -> int:
    """Run agents' jobs from the Redis queue until SIGTERM or SIGINT, then finish those in hand."""
    import signal

    from examples.litestar_app.core.app import freeze_startup_objects
    from examples.litestar_app.core.services import build_sms_app_services
    from pa_sms.jobs_redis import RedisJobQueue

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with build_sms_app_services(settings) as services:
        queue = services.sms.queue
        assert isinstance(queue, RedisJobQueue)
        await services.sms.start_background()  # jobs and the price refresh
        await services.sms_usage.start()  # the usage rollups' refresh
        freeze_startup_objects()
        print(f"sms-worker {queue.consumer} is taking jobs from {queue.stream}", flush=True)
        await stop.wait()
    return 0


def _sms_worker(settings: AppSettings, _: argparse.Namespace) -> int:
    if settings.sms_job_queue != "redis":
        print("error: sms-worker needs PA_SMS_JOB_QUEUE=redis (and PA_REDIS_URL)", file=sys.stderr)
        return 2
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is part of the app's dependencies
        return asyncio.run(_run_sms_worker(settings))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_run_sms_worker(settings))


def _migrate(settings: AppSettings, _: argparse.Namespace) -> int:
    upgrade(settings.effective_database_url)
    print("database is at the newest schema")
    return 0


async def _change_role(settings: AppSettings, email: str, role: str, *, grant: bool) -> int:
    """Grant or take away ``role`` through the audited library service (actor: none, the CLI)."""
    from examples.litestar_app.core.services import build_services
    from pa_core.accounts import normalize_email

    async with build_services(settings) as services:
        try:
            user = await services.users.get_by_email(normalize_email(email))
            if user is None:
                raise NotFound(f"no account with the email {email}")
            change = services.administration.grant if grant else services.administration.revoke
            user = await change(None, user.id, role)
        except PAError as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            return 1
    print(f"{user.email} now holds: {', '.join(user.roles) or '(no role)'}")
    return 0


def _promote(settings: AppSettings, args: argparse.Namespace) -> int:
    return asyncio.run(_change_role(settings, args.email, args.role, grant=True))


def _demote(settings: AppSettings, args: argparse.Namespace) -> int:
    return asyncio.run(_change_role(settings, args.email, args.role, grant=False))


def _post_webhook(settings: AppSettings, path: str, form: list[tuple[str, str]]) -> int:
    """Sign ``form`` for ``PA_PUBLIC_BASE_URL + path`` and post it to the running service."""
    import urllib.error
    import urllib.request

    from pa_sms.simulate import signed_webhook
    from pa_sms.webhooks import webhook_auth_token

    webhook = signed_webhook(webhook_auth_token(settings), settings.public_base_url + path, form)
    if not webhook.url.startswith(("http://", "https://")):
        print("error: PA_PUBLIC_BASE_URL must be an http(s) URL", file=sys.stderr)
        return 2
    request = urllib.request.Request(  # noqa: S310 - an http(s) URL, checked above
        webhook.url, data=webhook.body, headers=webhook.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        print(f"error: cannot reach {webhook.url}: {exc.reason}", file=sys.stderr)
        return 1
    print(f"POST {webhook.url}: {status}")
    return 0 if status < 400 else 1


def _sms_simulate(settings: AppSettings, args: argparse.Namespace) -> int:
    from pa_sms.simulate import inbound_form
    from pa_sms.webhooks import INBOUND_PATH

    form = inbound_form(
        to=args.to, from_=args.from_, body=args.text, account_sid=settings.twilio_account_sid
    )
    return _post_webhook(settings, INBOUND_PATH, form)


def _sms_simulate_status(settings: AppSettings, args: argparse.Namespace) -> int:
    from pa_sms.simulate import status_form
    from pa_sms.webhooks import STATUS_PATH

    form = status_form(
        sid=args.sid,
        status=args.status,
        to=args.to,
        from_=args.from_,
        error_code=args.error_code,
        account_sid=settings.twilio_account_sid,
    )
    return _post_webhook(settings, STATUS_PATH, form)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and ``--help``)."""
    parser = argparse.ArgumentParser(prog="python -m examples.litestar_app")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve HTTP")
    serve.add_argument("--host", help="address to listen on (PA_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (PA_PORT)")
    serve.set_defaults(handler=_serve)
    serve_sms = sub.add_parser("serve-sms", help="migrate, then serve the SMS webhooks alone")
    serve_sms.add_argument("--host", help="address to listen on (PA_HOST)")
    serve_sms.add_argument("--port", type=int, help="port to listen on (PA_SMS_PORT, 8003)")
    serve_sms.set_defaults(handler=_serve_sms)
    worker = sub.add_parser("sms-worker", help="run SMS agents' jobs from the Redis job queue")
    worker.set_defaults(handler=_sms_worker)
    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.set_defaults(handler=_migrate)
    users = sub.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    promote = users.add_parser("promote", help="grant a role (the way to the first administrator)")
    promote.add_argument("email")
    promote.add_argument("--role", default="administrator", help="role to grant")
    promote.set_defaults(handler=_promote)
    demote = users.add_parser("demote", help="take a role away")
    demote.add_argument("email")
    demote.add_argument("--role", default="administrator", help="role to take away")
    demote.set_defaults(handler=_demote)
    sms = sub.add_parser("sms", help="try the SMS path without Twilio").add_subparsers(
        dest="sms_command", required=True
    )
    simulate = sms.add_parser(
        "simulate",
        help="post a signed inbound SMS webhook to the running service (PA_PUBLIC_BASE_URL)",
    )
    simulate.add_argument("--to", required=True, help="the assistant's number (E.164)")
    simulate.add_argument(
        "--from", dest="from_", metavar="HANDSET", required=True, help="the handset (E.164)"
    )
    simulate.add_argument("text", help="the message body")
    simulate.set_defaults(handler=_sms_simulate)
    status = sms.add_parser(
        "simulate-status", help="post a signed message status callback to the running service"
    )
    status.add_argument("--sid", required=True, help="the message sid (SM...)")
    status.add_argument("--status", required=True, help="queued, sent, delivered, failed, ...")
    status.add_argument("--to", help="the recipient (E.164)")
    status.add_argument("--from", dest="from_", metavar="NUMBER", help="the sender (E.164)")
    status.add_argument("--error-code", type=int, help="Twilio's error code (21610: opted out)")
    status.set_defaults(handler=_sms_simulate_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = AppSettings()
        settings.check_production()
        status: int = args.handler(settings, args)
    except ImproperlyConfigured as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    return status
