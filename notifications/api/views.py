"""`/me/` endpoints for every signed-in user, patients and clinicians alike.

Each query is scoped to request.user: another user's device or notification is a 404.
"""

from typing import Any, cast

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.i18n import activate_for
from notifications.api.serializers import (
    DeviceOutputSerializer,
    DeviceRegisterInputSerializer,
    InboxNotificationOutputSerializer,
    MarkAllReadOutputSerializer,
    PreferenceOutputSerializer,
    PreferenceUpdateInputSerializer,
    UnreadCountOutputSerializer,
)
from notifications.selectors import device_list, inbox_unread_count, inbox_with_language
from notifications.services import (
    device_register,
    device_unregister,
    notification_mark_read,
    notifications_mark_all_read,
    preference_for,
    preference_update,
)

UNREAD_HEADER = "X-Unread-Count"


def _caller_id(request: Request) -> int:
    # The default IsAuthenticated permission guards every view here: never the anonymous user.
    return cast(int, request.user.id)


class DeviceListCreateApi(ListAPIView):
    """GET: the caller's push devices. POST: register (or re-register) a device token."""

    serializer_class = DeviceOutputSerializer
    throttle_scope = "device"

    def get_throttles(self) -> list[Any]:
        # Only registration is throttled; listing your own devices is cheap.
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def get_queryset(self) -> Any:
        return device_list(user_id=_caller_id(self.request))

    @extend_schema(
        request=DeviceRegisterInputSerializer,
        responses={201: DeviceOutputSerializer, 200: DeviceOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = DeviceRegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, created = device_register(
            user_id=_caller_id(request), **serializer.validated_data
        )
        return Response(
            DeviceOutputSerializer(endpoint).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DeviceDeleteApi(APIView):
    @extend_schema(responses={204: OpenApiResponse(description="Unregistered.")})
    def delete(self, request: Request, device_id: str) -> Response:
        device_unregister(user_id=_caller_id(request), endpoint_id=device_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PreferenceApi(APIView):
    @extend_schema(responses=PreferenceOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(PreferenceOutputSerializer(preference_for(_caller_id(request))).data)

    @extend_schema(request=PreferenceUpdateInputSerializer, responses=PreferenceOutputSerializer)
    def patch(self, request: Request) -> Response:
        chosen = preference_for(_caller_id(request)).language
        if chosen:  # issue 19: a refusal in the caller's own language (else Accept-Language)
            activate_for(chosen)
        serializer = PreferenceUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        pref = preference_update(user_id=_caller_id(request), **serializer.validated_data)
        return Response(PreferenceOutputSerializer(pref).data)


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter(
                UNREAD_HEADER,
                int,
                OpenApiParameter.HEADER,
                response=True,
                description="Unread in-app notifications of the caller.",
            )
        ]
    )
)
class InboxListApi(ListAPIView):
    """The caller's in-app notifications, newest first; `X-Unread-Count` carries the badge."""

    serializer_class = InboxNotificationOutputSerializer

    def get_queryset(self) -> Any:
        return inbox_with_language(user_id=_caller_id(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        response[UNREAD_HEADER] = str(inbox_unread_count(user_id=_caller_id(request)))
        return response


class InboxUnreadCountApi(APIView):
    @extend_schema(responses=UnreadCountOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response({"unread_count": inbox_unread_count(user_id=_caller_id(request))})


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=InboxNotificationOutputSerializer)
    def post(self, request: Request, notification_id: str) -> Response:
        notification = notification_mark_read(
            user_id=_caller_id(request), notification_id=notification_id
        )
        return Response(InboxNotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    @extend_schema(request=None, responses=MarkAllReadOutputSerializer)
    def post(self, request: Request) -> Response:
        marked = notifications_mark_all_read(user_id=_caller_id(request))
        return Response(
            {"marked": marked, "unread_count": inbox_unread_count(user_id=_caller_id(request))}
        )
