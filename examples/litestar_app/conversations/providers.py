"""Dependencies of the conversations routes: the conversation service, the live updates'
heartbeat, and the session service whose revocations end a live stream."""

from __future__ import annotations

from datetime import timedelta

from litestar.datastructures import State
from litestar.di import Provide

from examples.litestar_app.core.services import app_services
from examples.litestar_app.sessions.providers import provide_sessions
from pa_core.conversations import ConversationService

__all__ = ["dependencies", "provide_conversations", "provide_heartbeat"]


def provide_conversations(state: State) -> ConversationService:
    """The conversation service."""
    return app_services(state).assistant.conversations


def provide_heartbeat(state: State) -> timedelta:
    """How long a quiet event stream waits before a heartbeat (``PA_SSE_HEARTBEAT_INTERVAL``)."""
    return app_services(state).assistant.heartbeat


dependencies = {
    "conversations": Provide(provide_conversations, sync_to_thread=False),
    "heartbeat": Provide(provide_heartbeat, sync_to_thread=False),
    "sessions": Provide(provide_sessions, sync_to_thread=False),
}
"""The ``dependencies`` of the conversations controller."""
