"""Texted codes until the notifications service exists (SMS_TRANSPORT=log): the users
dispatcher takes users.phone.verification_code events from the outbox and writes them to the
log (build/logs/users.log under make run). With SMS_TRANSPORT=outbox nothing here runs and the
events wait in outbox_events for the notifications service."""
from __future__ import annotations

import logging

from services.common.outbox import Event, Handler
from services.users.domain.common import TOPIC_PHONE_CODE

log = logging.getLogger("p2p.users.sms")


async def log_text(event: Event) -> None:
    p = event.payload
    log.info("sms (log transport)", extra={"fields": {"to": p["phone_number"], "text": p["text"],
                                                      "event_id": event.id}})


def handlers() -> dict[str, Handler]:
    return {TOPIC_PHONE_CODE: log_text}
