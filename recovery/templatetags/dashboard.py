# Django loads tag libraries from installed apps only; the dashboard's live in its own package.
from recovery.dashboard.templatetags.dashboard import register

__all__ = ["register"]
