"""Chinese first: the language is zh-hans unless the visitor chose another one with the switch.

Django's ``LocaleMiddleware`` also follows the browser's ``Accept-Language``, so an English-language
browser (or a headless test browser) would get English pages by default. MedReg serves Chinese first:
only the language cookie set by ``/i18n/setlang/`` changes it. To use, replace
``django.middleware.locale.LocaleMiddleware`` with ``medreg.portals.middleware.ChineseFirstLocaleMiddleware``
in ``MIDDLEWARE`` (same position).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Activate the language from the language cookie, else ``settings.LANGUAGE_CODE``."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            # Partner systems and scripts choose their language with Accept-Language.
            super().process_request(request)
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if request.path.startswith("/api/"):
            return super().process_response(request, response)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Cookie",))
        return response
