"""Profile, preferences and conversations through the HTTP API."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.app.helpers import bearer, register_and_login

pytestmark = pytest.mark.anyio

API = "/api/v1"


@pytest.fixture
async def auth(client: AsyncTestClient[Any]) -> dict[str, str]:
    session = await register_and_login(client, "ada@example.com")
    return bearer(session["access_token"])


async def _conversation(client: AsyncTestClient[Any], auth: dict[str, str], **body: Any) -> Any:
    response = await client.post(f"{API}/conversations", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


async def _say(
    client: AsyncTestClient[Any], auth: dict[str, str], cid: str, body: str, **extra: Any
) -> Any:
    response = await client.post(
        f"{API}/conversations/{cid}/messages", json={"body": body, **extra}, headers=auth
    )
    assert response.status_code == 201, response.text
    return response.json()


# --- profile -------------------------------------------------------------------------------


async def test_patching_the_profile_changes_only_the_given_fields(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    response = await client.patch(
        f"{API}/users/me", json={"timezone": "America/Chicago", "locale": "en_us"}, headers=auth
    )
    assert response.status_code == 200, response.text
    user = response.json()
    assert (user["timezone"], user["locale"], user["display_name"]) == (
        "America/Chicago",
        "en-US",
        None,
    )
    response = await client.patch(f"{API}/users/me", json={"display_name": "Ada"}, headers=auth)
    assert response.json()["timezone"] == "America/Chicago"
    me = await client.get(f"{API}/users/me", headers=auth)
    assert me.json()["display_name"] == "Ada"


async def test_bad_profile_fields_are_named(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    response = await client.patch(
        f"{API}/users/me", json={"timezone": "Nowhere/Town", "locale": "??"}, headers=auth
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["timezone", "locale"]


async def test_an_unknown_profile_field_is_refused(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    response = await client.patch(f"{API}/users/me", json={"email": "x@y.z"}, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "email"


async def test_the_profile_needs_authentication(client: AsyncTestClient[Any]) -> None:
    response = await client.patch(f"{API}/users/me", json={"locale": "en"})
    assert response.status_code == 401


# --- preferences ---------------------------------------------------------------------------

DEFAULTS = {
    "quiet_hours": {"start": "22:00", "end": "07:00"},
    "preferred_channel": "sms",
    "reminder_lead_minutes": 15,
    "daily_digest_time": "08:00",
    "nudge_max": 3,
    "tone": "brief",
}


async def test_preferences_start_with_the_defaults(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    response = await client.get(f"{API}/users/me/preferences", headers=auth)
    assert response.status_code == 200
    assert response.json() == DEFAULTS


async def test_put_replaces_the_whole_document_and_applies_at_once(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    first = {"quiet_hours": None, "tone": "detailed", "nudge_max": 5}
    response = await client.put(f"{API}/users/me/preferences", json=first, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == {**DEFAULTS, **first}
    assert (await client.get(f"{API}/users/me/preferences", headers=auth)).json() == {
        **DEFAULTS,
        **first,
    }
    second = {"preferred_channel": "web", "daily_digest_time": None}
    response = await client.put(f"{API}/users/me/preferences", json=second, headers=auth)
    assert response.json() == {**DEFAULTS, **second}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quiet_hours": {"start": "22:00", "end": "24:00"}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"reminder_lead_minutes": 100000}, "reminder_lead_minutes"),
        ({"nudge_max": 0}, "nudge_max"),
        ({"daily_digest_time": "noon"}, "daily_digest_time"),
        ({"volume": 11}, "volume"),
    ],
)
async def test_bad_preferences_are_named(
    client: AsyncTestClient[Any], auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.put(f"{API}/users/me/preferences", json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert field in [e["field"] for e in response.json()["errors"]]


# --- conversations -------------------------------------------------------------------------


async def test_a_conversation_is_created_read_renamed_archived_and_deleted(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    created = await _conversation(client, auth, title="Errands")
    assert set(created) == {
        "id",
        "title",
        "archived",
        "created_at",
        "updated_at",
        "last_message_at",
    }
    assert (created["title"], created["archived"], created["last_message_at"]) == (
        "Errands",
        False,
        None,
    )
    assert created["created_at"].endswith("Z")
    url = f"{API}/conversations/{created['id']}"
    assert (await client.get(url, headers=auth)).json() == created
    renamed = await client.patch(url, json={"title": "Weekend errands"}, headers=auth)
    assert renamed.json()["title"] == "Weekend errands"
    assert not renamed.json()["archived"]
    archived = await client.patch(url, json={"archived": True}, headers=auth)
    assert archived.json()["archived"]
    assert archived.json()["title"] == "Weekend errands"
    assert (await client.delete(url, headers=auth)).status_code == 204
    assert (await client.get(url, headers=auth)).status_code == 404


async def test_an_untitled_conversation_is_fine(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    created = await _conversation(client, auth)
    assert created["title"] is None


async def test_conversations_list_newest_activity_first_in_pages(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    ids = [(await _conversation(client, auth, title=f"c{n}"))["id"] for n in range(3)]
    await _say(client, auth, ids[0], "bump")
    first = await client.get(f"{API}/conversations", params={"limit": 2}, headers=auth)
    assert first.status_code == 200
    page = first.json()
    assert page["items"][0]["id"] == ids[0]
    assert page["items"][0]["last_message_at"] is not None
    rest = await client.get(
        f"{API}/conversations", params={"limit": 2, "cursor": page["next_cursor"]}, headers=auth
    )
    assert rest.json()["next_cursor"] is None
    listed = [c["id"] for c in page["items"] + rest.json()["items"]]
    assert sorted(listed) == sorted(ids)
    assert len(set(listed)) == 3


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"cursor": "garbage!"}])
async def test_bad_paging_is_a_validation_error(
    client: AsyncTestClient[Any], auth: dict[str, str], params: dict[str, Any]
) -> None:
    response = await client.get(f"{API}/conversations", params=params, headers=auth)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_messages_are_posted_threaded_and_listed_oldest_first(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    cid = (await _conversation(client, auth))["id"]
    first = await _say(client, auth, cid, "Remind me to call the dentist")
    reply = await _say(client, auth, cid, "Tomorrow at 9, please", reply_to=first["id"])
    assert set(first) == {
        "id",
        "conversation_id",
        "body",
        "direction",
        "channel",
        "reply_to",
        "created_at",
    }
    assert (first["direction"], first["channel"], first["reply_to"]) == ("in", "web", None)
    assert reply["reply_to"] == first["id"]
    listed = await client.get(f"{API}/conversations/{cid}/messages", headers=auth)
    assert listed.json() == {"items": [first, reply], "next_cursor": None}


async def test_a_reply_to_another_conversation_is_a_validation_error(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    here = (await _conversation(client, auth))["id"]
    there = (await _conversation(client, auth))["id"]
    elsewhere = await _say(client, auth, there, "over there")
    response = await client.post(
        f"{API}/conversations/{here}/messages",
        json={"body": "reply", "reply_to": elsewhere["id"]},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["field"] == "reply_to"


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
async def test_a_bad_message_body_is_a_validation_error(
    client: AsyncTestClient[Any], auth: dict[str, str], body: str
) -> None:
    cid = (await _conversation(client, auth))["id"]
    response = await client.post(
        f"{API}/conversations/{cid}/messages", json={"body": body}, headers=auth
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


async def test_paging_messages_never_skips_or_repeats_while_others_are_posted(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    cid = (await _conversation(client, auth))["id"]
    posted = [(await _say(client, auth, cid, f"m{n}"))["id"] for n in range(3)]
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(f"{API}/conversations/{cid}/messages", params=params, headers=auth)
        ).json()
        seen.extend(m["id"] for m in page["items"])
        if len(posted) < 9:
            posted.append((await _say(client, auth, cid, f"m{len(posted)}"))["id"])
        if page["next_cursor"] is None and len(seen) == len(posted):
            break
        cursor = page["next_cursor"] or cursor
        if page["next_cursor"] is None:
            # the last page was reached before the new message: continue from its end
            cursor = None
            seen_so_far = len(seen)
            rest = (
                await client.get(
                    f"{API}/conversations/{cid}/messages",
                    params={"limit": 100},
                    headers=auth,
                )
            ).json()
            seen.extend(m["id"] for m in rest["items"][seen_so_far:])
            break
    assert seen == posted


async def test_search_finds_the_callers_messages_best_first(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    errands = (await _conversation(client, auth, title="errands"))["id"]
    family = (await _conversation(client, auth, title="family"))["id"]
    once = await _say(client, auth, errands, "Call the dentist about Tuesday")
    twice = await _say(client, auth, family, "dentist, dentist: the dentist bill")
    await _say(client, auth, family, "Buy milk")
    response = await client.get(
        f"{API}/conversations/search", params={"q": "Dentist"}, headers=auth
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["id"] for m in body["items"]] == [twice["id"], once["id"]]
    assert body["items"][0]["conversation_id"] == family
    assert body["next_cursor"] is None
    paged = await client.get(
        f"{API}/conversations/search", params={"q": "dentist", "limit": 1}, headers=auth
    )
    assert paged.json()["next_cursor"] is not None


async def test_search_never_shows_another_users_messages(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    cid = (await _conversation(client, auth))["id"]
    await _say(client, auth, cid, "secret plans for the surprise party")
    other = bearer((await register_and_login(client, "bob@example.com"))["access_token"])
    response = await client.get(f"{API}/conversations/search", params={"q": "party"}, headers=other)
    assert response.json() == {"items": [], "next_cursor": None}


async def test_a_search_with_nothing_to_look_for_is_a_validation_error(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    response = await client.get(f"{API}/conversations/search", params={"q": "!!"}, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


async def test_another_users_conversation_is_not_found_anywhere(
    client: AsyncTestClient[Any], auth: dict[str, str]
) -> None:
    cid = (await _conversation(client, auth))["id"]
    other = bearer((await register_and_login(client, "eve@example.com"))["access_token"])
    url = f"{API}/conversations/{cid}"
    for method, path, body in [
        ("GET", url, None),
        ("PATCH", url, {"title": "mine now"}),
        ("DELETE", url, None),
        ("GET", f"{url}/messages", None),
        ("POST", f"{url}/messages", {"body": "hi"}),
        ("GET", f"{url}/events", None),
    ]:
        response = await client.request(method, path, json=body, headers=other)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "not_found"
    assert (await client.get(f"{API}/conversations", headers=other)).json()["items"] == []
