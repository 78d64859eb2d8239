"""SMS routing without a web framework: a number per user, a signed webhook, a reply by REST.

Everything runs in memory: the number provider, the store, the idempotency
keys, and a recording transport instead of Twilio. Run it with
``python examples/library/sms_routing.py``.
"""

from __future__ import annotations

import asyncio

from pa_core.audit import AuditRecorder, MemoryAuditLog
from pa_core.clock import FrozenClock
from pa_core.kv import MemoryKeyValueStore
from pa_sms.agents import AgentRegistry, DefaultAgent, MemoryConversationRecorder
from pa_sms.jobs import InProcessJobQueue
from pa_sms.numbers import MemoryNumberProvider
from pa_sms.numbers.manager import NumberManager
from pa_sms.outbound import OutboundSender
from pa_sms.records import MemorySmsStore
from pa_sms.router import SmsRouter
from pa_sms.transports import RecordingTransport
from pa_sms.webhooks import TwilioSignatureVerifier

PUBLIC = "https://assistant.example"
AUTH_TOKEN = "your-twilio-auth-token"
HANDSET = "+15550000001"


async def main() -> None:
    clock = FrozenClock()
    store = MemorySmsStore()
    transport = RecordingTransport()
    recorder = MemoryConversationRecorder()
    jobs = InProcessJobQueue()
    verifier = TwilioSignatureVerifier(AUTH_TOKEN)
    numbers = NumberManager(
        MemoryNumberProvider(),
        store,
        clock,
        inbound_url=PUBLIC + "/sms/inbound",
        status_url=PUBLIC + "/sms/status",
        audit=AuditRecorder(MemoryAuditLog(), clock),
    )
    router = SmsRouter(
        store=store,
        verifier=verifier,
        outbound=OutboundSender(transport, store, clock, status_callback=PUBLIC + "/sms/status"),
        agents=AgentRegistry(DefaultAgent(recorder)),
        jobs=jobs,
        idempotency=MemoryKeyValueStore(clock),
        clock=clock,
        inbound_url=PUBLIC + "/sms/inbound",
        status_url=PUBLIC + "/sms/status",
    )
    await jobs.start()

    # 1. An administrator gives Ada a number; its webhooks point at us.
    number = await numbers.provision("ada", area_code="415")
    print(number.phone_number, number.status)

    # 2. Ada texts it. Twilio would POST this form, signed, to the inbound URL.
    form = [
        ("MessageSid", "SM" + "1" * 32),
        ("From", HANDSET),
        ("To", number.phone_number),
        ("Body", "remind me to call the pharmacy"),
    ]
    signature = verifier.sign(PUBLIC + "/sms/inbound", form)
    print(await router.receive(form, signature))  # accepted: answer Twilio with <Response/>
    print(await router.receive(form, signature))  # Twilio's retry: duplicate, not processed

    # 3. The agent ran outside the "request"; its reply left by the REST API.
    await jobs.join()
    reply = transport.sent[0]
    print(reply.from_ == number.phone_number, reply.to, reply.body)
    print([m.direction for m in recorder.of("ada")])

    # 4. STOP opts Ada's phone out of this number: nothing is sent any more but HELP.
    stop = [("MessageSid", "SM" + "2" * 32), ("From", HANDSET), ("To", number.phone_number)]
    stop.append(("Body", "STOP"))
    await router.receive(stop, verifier.sign(PUBLIC + "/sms/inbound", stop))
    print(await store.is_opted_out(number.phone_number, HANDSET))
    await jobs.close()


if __name__ == "__main__":
    asyncio.run(main())
