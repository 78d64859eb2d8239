"""Conversations, search, live updates and preferences with pa_core alone (in memory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio

from pa_core.clock import FrozenClock
from pa_core.conversations import (
    Channel,
    ConversationService,
    Direction,
    Heartbeat,
    MemoryConversationRepository,
    MemoryMessageBroker,
)
from pa_core.pagination import PageRequest
from pa_core.preferences import MemoryPreferencesRepository, PreferencesService


async def main() -> None:
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    conversations = ConversationService(
        MemoryConversationRepository(), MemoryMessageBroker(), clock
    )
    # Swap in SqlConversationRepository(Database(url)) and RedisMessageBroker for production.

    chat = await conversations.create("user-1", "Errands")
    ask = await conversations.post_message("user-1", chat.id, "Remind me to call the dentist")
    await conversations.post_message(
        "user-1",
        chat.id,
        "Will do: Tuesday 9:00, dentist call.",
        direction=Direction.OUT,
        channel=Channel.SMS,
        reply_to=ask.id,
    )

    page = await conversations.messages("user-1", chat.id, PageRequest(limit=20))
    for message in page.items:
        print(message.seq, message.direction, message.channel, message.body)

    hits = await conversations.search("user-1", '"call the dentist" or plumber', PageRequest())
    print("found:", [hit.message.body for hit in hits.items])

    # A live stream: replays what came after the last id seen, then waits for more.
    # For a logged-in caller pass watch=sessions.watch(sid, user_id=..., until=token_exp):
    # the stream then ends as soon as the session is revoked or the token expires.
    stream = await conversations.open_stream(
        "user-1", chat.id, watch=None, last_event_id=ask.id, heartbeat=timedelta(seconds=1)
    )
    async for item in stream:
        if not isinstance(item, Heartbeat):
            print("live:", item.body)
            break

    preferences = PreferencesService(MemoryPreferencesRepository(), clock)
    await preferences.replace("user-1", {"quiet_hours": {"start": "21:00", "end": "08:00"}})
    mine = await preferences.get("user-1")
    late = datetime(2026, 3, 2, 21, 30, tzinfo=UTC)  # 21:30 in Lisbon, 16:30 in New York
    print("quiet in Lisbon:", mine.in_quiet_hours(late, "Europe/Lisbon"))
    print("quiet in New York:", mine.in_quiet_hours(late, "America/New_York"))


if __name__ == "__main__":
    anyio.run(main)
