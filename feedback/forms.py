"""The feedback form: four questions, radio buttons, no free text; and the checks that make
one response per visit likely without knowing who answered (docs/feedback.md)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django import forms
from django.core import signing

from .models import QUESTIONS

SALT = "feedback-form"
FASTEST_SECONDS = 3  # nobody reads four questions and answers them quicker
OLDEST_SECONDS = 24 * 3600


def ticket_for(contact_point_pk: int) -> str:
    """A signed ticket for one form shown: for this place, used once (its nonce), not
    sooner than a person could answer, not after a day."""
    payload = {"cp": contact_point_pk, "n": secrets.token_urlsafe(12), "t": time.time()}
    return signing.dumps(payload, salt=SALT)


def read_ticket(ticket: str, contact_point_pk: int) -> dict[str, Any] | None:
    try:
        data = signing.loads(ticket, salt=SALT, max_age=OLDEST_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("cp") != contact_point_pk:
        return None
    return data


class FeedbackForm(forms.Form):
    ticket = forms.CharField(widget=forms.HiddenInput)
    # Left empty by people; filled by form-filling robots. Hidden from sight and from
    # screen readers, out of the tab order.
    website = forms.CharField(required=False, label="Leave this empty")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (question, choices) in QUESTIONS.items():
            self.fields[name] = forms.ChoiceField(
                label=question, choices=choices, widget=forms.RadioSelect,
                error_messages={"required": f"Answer “{question}”"},
            )  # fmt: skip
