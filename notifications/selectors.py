"""Reads, scoped to the caller: another user's row is simply not found (404)."""

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from notifications.models import Endpoint, Notification, Preference


def inbox_queryset(*, user_id: int) -> QuerySet[Notification]:
    """The user's visible in-app notifications (delivered in-app rows)."""
    return Notification.objects.filter(
        recipient_id=user_id,
        channel=Notification.Channel.INAPP,
        status=Notification.Status.SENT,
    )


def inbox_with_language(*, user_id: int) -> QuerySet[Notification]:
    """The inbox, each row carrying its recipient's language (issue 19) in the same query."""
    language = Preference.objects.filter(user_id=OuterRef("recipient_id")).values("language")
    return inbox_queryset(user_id=user_id).annotate(recipient_language=Subquery(language[:1]))


def inbox_unread_count(*, user_id: int) -> int:
    return inbox_queryset(user_id=user_id).filter(read_at__isnull=True).count()


def notification_get_for_user(*, user_id: int, notification_id: Any) -> Notification:
    notification = inbox_queryset(user_id=user_id).filter(id=notification_id).first()
    if notification is None:
        raise Http404
    return notification


def device_list(*, user_id: int) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(user_id=user_id, kind=Endpoint.Kind.PUSH).order_by("-created_at")
