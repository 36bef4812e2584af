"""Delivery of auth's emails from the outbox (until the notification service takes them).

Transport "smtp" speaks SMTP to SMTP_HOST:SMTP_PORT; "log" (the local default) writes the
message to the log instead. Each message carries the outbox event's idempotency key as its
Message-ID, so a receiver can drop the duplicate of a retried delivery.
"""
from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage

from services.auth.settings import AuthSettings
from services.common.outbox import Event

log = logging.getLogger("p2p.auth.email")

TEMPLATES = {
    "auth.email.verification": ("Confirm your email address",
                                "Hello {first_name},\n\nConfirm your email address with this link:\n{link}\n\n"
                                "Or enter this code in the app: {token}\nIt expires at {expires_at}.\n"),
    "auth.email.password_reset": ("Reset your password",
                                  "Hello {first_name},\n\nSomeone asked to reset your password. If it was you, "
                                  "use this link within the hour:\n{link}\n\nCode: {token}\n"
                                  "If it was not you, ignore this email.\n"),
    "auth.email.new_device_login": ("New sign-in to your account",
                                    "Hello {first_name},\n\nYour account was just used to sign in on a new "
                                    "{device_type} ({platform}) from {ip_address} at {at}.\n"
                                    "If this was not you, change your password now.\n"),
}


def render(event: Event, sender: str) -> EmailMessage:
    subject, body = TEMPLATES[event.topic]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = event.payload["email"]
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{event.idempotency_key}@p2p-delivery.local>"
    msg["X-P2P-Event"] = event.topic
    msg.set_content(body.format_map({k: ("" if v is None else v) for k, v in event.payload.items()}))
    return msg


class EmailSender:
    def __init__(self, settings: AuthSettings):
        self.s = settings

    def handlers(self) -> dict:
        return {topic: self.send for topic in TEMPLATES}

    async def send(self, event: Event) -> None:
        msg = render(event, self.s.email_from)
        if self.s.email_transport == "smtp":
            await asyncio.wait_for(asyncio.to_thread(self._smtp, msg), timeout=30)
        else:
            # Local development: the message goes to the log (build/logs/auth.log under make run).
            log.info("email (log transport)", extra={"fields": {"to": msg["To"], "subject": msg["Subject"],
                                                                "event": event.topic, "event_id": event.id,
                                                                "body": msg.get_content()}})

    def _smtp(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self.s.smtp_host, self.s.smtp_port, timeout=20) as smtp:
            smtp.send_message(msg)
