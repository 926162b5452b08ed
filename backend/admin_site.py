"""The Django admin, reachable only with a verified second factor (issue 17).

django-otp's OTPAdminSite refuses every user whose session was not verified with an OTP device,
and its login form asks for the code after the password. Installing it as the default site
(through backend.admin_config.OTPAdminConfig) puts every `admin.site.register` behind it.
"""

from django_otp.admin import OTPAdminSite


class RecoveryAdminSite(OTPAdminSite):
    site_header = "L3-L4 recovery administration"
    site_title = "Recovery admin"
