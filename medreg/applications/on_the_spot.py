"""备案 on the spot: a filing item (``completes_on_receipt = True``) that is complete when submitted is
recorded at once, without a review chain (诊所备案: the 备案凭证 is issued on the spot when complete).

Called from ``services.submit_application`` inside its transaction, after the full validation, the
materials check and the item's pre-checks have passed. The moves are the ordinary ones (received →
accepted → reviewed → approved), made by the system, with timeline and audit rows for each.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medreg.applications import clock
from medreg.applications.choices import Action, Status
from medreg.applications.models import Application
from medreg.applications.services import _move, _notify_applicant
from medreg.audit.choices import EventType


def complete_on_receipt(app: Application) -> Application:
    """Accept and decide ``app`` as the system; the item's effect issues the receipt. Returns the app."""
    item = app.item
    comment = str(_("材料齐全，当场备案"))
    app.accepted_on = timezone.localdate()
    app.due_on = clock.compute_due_on(app)
    _move(app, target=Status.ACCEPTED, action=Action.ACCEPT, acting_user=None, event=EventType.APPLICATION_ACCEPTED,
          comment=comment, fields=("accepted_on", "due_on"))
    app.review_opinion = comment
    _move(app, target=Status.REVIEWED, action=Action.REVIEW, acting_user=None, event=EventType.APPLICATION_REVIEWED,
          comment=comment, data={"recommend": "approve"}, fields=("review_opinion",))
    effects = item.on_approve(app, acting_user=None)
    app.decided_at, app.decided_by = timezone.now(), None
    app.decision_reason = comment
    _move(app, target=Status.APPROVED, action=Action.APPROVE, acting_user=None, event=EventType.APPLICATION_APPROVED,
          comment=comment, fields=("decided_at", "decided_by", "decision_reason"),
          data={k: str(v) for k, v in effects.items()})
    _notify_applicant(app, _("备案已完成，备案凭证已生成"))
    return app
