"""``/accounts/``: sign in, sign out (POST), self-registration of physicians and nurses."""

from django.urls import path

from medreg.portals import auth_views

urlpatterns = [
    path("login/", auth_views.MedRegLoginView.as_view(), name="login"),
    path("logout/", auth_views.MedRegLogoutView.as_view(), name="logout"),
    path("register/", auth_views.register, name="register"),
]
