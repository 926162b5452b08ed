"""Installs backend.admin_site.RecoveryAdminSite as `admin.site` (kept apart: an AppConfig module
must not import models, and the OTP site's forms do)."""

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    default_site = "backend.admin_site.RecoveryAdminSite"
