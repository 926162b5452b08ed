"""One client-address rule (core.client_ip) for axes, the DRF throttles and the audit trail."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory

from core.client_ip import client_ip
from recovery.models import AccessEvent
from recovery.services.audit import access_event_record

pytestmark = pytest.mark.django_db


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, None, "10.0.0.2"),
        (0, "203.0.113.7", "10.0.0.2"),  # no proxy configured: the header is ignored
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own entry is not trusted
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (3, "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # fewer entries than proxies
        (1, None, "10.0.0.2"),  # bypassed the proxy
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_it_reads_the_client_from_the_right_of_x_forwarded_for(
    settings, count, forwarded, expected
) -> None:
    settings.TRUSTED_PROXY_COUNT = count

    assert client_ip(_request(forwarded=forwarded)) == expected


def test_it_is_the_address_axes_counts(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    assert get_client_ip_address(_request(forwarded="6.6.6.6, 203.0.113.7")) == "203.0.113.7"


def test_it_is_the_address_the_audit_trail_records(settings, clinician, patient) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(forwarded="6.6.6.6, 203.0.113.7")

    access_event_record(
        actor=clinician, action="view", object_type="patient", patient=patient, request=request
    )

    assert AccessEvent.objects.get().ip_address == "203.0.113.7"


def test_the_drf_throttles_count_the_same_address(settings) -> None:
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT


def test_it_throttles_activation_by_the_real_address_not_a_forged_header(api, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = []
    for n in range(11):
        body = {"activation_code": f"ZZZZ-ZZZZ-ZZ{n:02d}", "username": "x.y", "password": "p" * 12}
        # The attacker forges a new leftmost entry each time; the proxy's entry stays the same.
        forwarded = f"198.51.100.{n}, 203.0.113.7"
        statuses.append(
            api().post("/api/v1/auth/activate/", body, HTTP_X_FORWARDED_FOR=forwarded).status_code
        )

    assert statuses[-1] == 429
