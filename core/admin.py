"""The back office's one rule for writes (docs/architecture.md): a change goes through the
app's service, and when the service refuses it, nothing of it is saved — not the object,
not its inlines, not its many-to-many choices — no "changed successfully" is logged or
shown, and the reason is."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose save_model and save_related call services. A ValidationError from
    them ends the change: Django's change view runs in one transaction, which the error
    rolls back; the editor is sent back to the form, unsaved, with the reason. (A refusal
    for want of permission stays a 403.)"""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            reason = "; ".join(error.messages)
        self.message_user(request, f"Nothing was saved: {reason}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())
