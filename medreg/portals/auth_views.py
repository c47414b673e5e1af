"""Sign-in, sign-out and the self-registration of physicians and nurses.

Registration only parses the form and calls ``people.services.register_individual``; every rule
(ID checksum, synced qualification, name match, password strength) lives in that service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from medreg.accounts import services as accounts
from medreg.core.conf import conf
from medreg.core.errors import DomainError
from medreg.people import services as people
from medreg.people.choices import Profession
from medreg.portals.views import NON_FIELD, render_domain_error
from medreg.public import throttle

REGISTER_FIELDS = ("name", "id_number", "phone", "username", "password", "password2", "profession")


class MedRegLoginView(LoginView):
    """Django's login view with the MedReg template; signed-in users go straight to their portal.

    Attempts are limited per client address and per login name, and every outcome is audited.
    """

    template_name = "portals/auth/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name = (request.POST.get("username") or "").strip().lower()
        for decision in (
            throttle.hit(request, "login", conf("LOGIN_RATE")),
            throttle.hit(request, "login-name", conf("LOGIN_NAME_RATE"), identity=name),
        ):
            if not decision.allowed:
                response = render(request, "public/throttled.html", {"retry_after": decision.retry_after},
                                  status=429)
                response["Retry-After"] = str(decision.retry_after)
                return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        accounts.record_login(form.get_user())
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        accounts.record_login_failure(self.request.POST.get("username") or "")
        return super().form_invalid(form)


class MedRegLogoutView(LogoutView):
    """POST-only sign-out (Django 5), back to the home page."""


@sensitive_post_parameters("password", "password2", "id_number", "phone")
@csrf_protect
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    """``/accounts/register/``: a physician or nurse creates their real-name account."""
    if request.user.is_authenticated:
        return redirect("/portal/")
    values: dict[str, Any] = {"profession": Profession.PHYSICIAN}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        decision = throttle.hit(request, "register", conf("REGISTER_RATE"))
        if not decision.allowed:
            response = render(request, "public/throttled.html", {"retry_after": decision.retry_after}, status=429)
            response["Retry-After"] = str(decision.retry_after)
            return response
        values = {
            f: (request.POST.get(f) or "").strip() for f in REGISTER_FIELDS if not f.startswith("password")
        }
        password = request.POST.get("password") or ""
        password2 = request.POST.get("password2") or ""
        if password != password2:
            errors["password2"] = [str(_("两次输入的密码不一致。"))]
        if values.get("profession") not in Profession.values:
            errors["profession"] = [str(_("请选择医师或护士。"))]
        if not errors:
            try:
                user = people.register_individual(
                    acting_user=None,
                    name=values["name"],
                    id_number=values["id_number"],
                    phone=values["phone"],
                    password=password,
                    username=values["username"],
                    profession=values["profession"],
                )
            except DomainError as exc:
                render_domain_error(errors, exc, fields=REGISTER_FIELDS)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("/portal/me/")
        status = 400
    context = {
        "values": values,
        "form_errors": errors,
        "non_field": errors.get(NON_FIELD, []),
        "profession_options": [(p.value, p.label) for p in Profession],
    }
    return render(request, "portals/auth/register.html", context, status=status)
