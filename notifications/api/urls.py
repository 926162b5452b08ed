from django.urls import path

from notifications.api import views

urlpatterns = [
    path("me/devices/", views.DeviceListCreateApi.as_view(), name="me-devices"),
    path("me/devices/<uuid:device_id>/", views.DeviceDeleteApi.as_view(), name="me-device-detail"),
    path("me/preferences/", views.PreferenceApi.as_view(), name="me-preferences"),
    path("me/notifications/", views.InboxListApi.as_view(), name="me-notifications"),
    path(
        "me/notifications/unread-count/",
        views.InboxUnreadCountApi.as_view(),
        name="me-notifications-unread-count",
    ),
    path(
        "me/notifications/read-all/",
        views.NotificationReadAllApi.as_view(),
        name="me-notifications-read-all",
    ),
    path(
        "me/notifications/<uuid:notification_id>/read/",
        views.NotificationReadApi.as_view(),
        name="me-notification-read",
    ),
]
