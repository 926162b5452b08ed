import pytest

from notifications.models import Endpoint
from tests.factories.notifications import DeviceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/devices/"


def test_it_registers_a_device_then_treats_the_same_token_as_a_no_op(api, patient) -> None:
    client = api(patient.user)
    first = client.post(URL, {"platform": "android", "token": "fcm-abc"})
    again = client.post(URL, {"platform": "android", "token": "fcm-abc"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.data["id"] == again.data["id"]
    assert Endpoint.objects.filter(token="fcm-abc").count() == 1


def test_re_registering_moves_the_token_to_the_caller_and_re_enables_it(
    api, patient, other_patient
) -> None:
    device = DeviceFactory(user=other_patient.user, token="shared", disabled=True)
    response = api(patient.user).post(URL, {"platform": "ios", "token": "shared"})
    assert response.status_code == 200
    device.refresh_from_db()
    assert (device.user, device.disabled) == (patient.user, False)


def test_it_works_for_clinicians_too(api, clinician) -> None:
    assert api(clinician).post(URL, {"platform": "web", "token": "w1"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "blackberry", "token": "t"}, "platform"),
        ({"platform": "ios"}, "token"),
        ({"platform": "ios", "token": ""}, "token"),
        ({"platform": "ios", "token": "x" * 513}, "token"),
    ],
)
def test_it_rejects_bad_registrations_with_field_messages(api, patient, body, field) -> None:
    response = api(patient.user).post(URL, body)
    assert response.status_code == 400
    assert field in response.data["extra"]["fields"]


def test_it_lists_only_the_callers_devices(api, patient, other_patient) -> None:
    mine = DeviceFactory(user=patient.user)
    DeviceFactory(user=other_patient.user)
    response = api(patient.user).get(URL)
    assert [d["id"] for d in response.data["results"]] == [str(mine.id)]
    assert "token" not in response.data["results"][0]


def test_it_unregisters_the_callers_device(api, patient) -> None:
    device = DeviceFactory(user=patient.user)
    assert api(patient.user).delete(f"{URL}{device.id}/").status_code == 204
    assert not Endpoint.objects.filter(id=device.id).exists()


def test_another_users_device_is_not_found(api, patient, other_patient) -> None:
    device = DeviceFactory(user=other_patient.user)
    assert api(patient.user).delete(f"{URL}{device.id}/").status_code == 404
    assert Endpoint.objects.filter(id=device.id).exists()


@pytest.mark.parametrize(("method", "path"), [("get", URL), ("post", URL)])
def test_anonymous_callers_are_refused(api, method, path) -> None:
    assert getattr(api(), method)(path).status_code == 401


def test_registration_is_throttled(api, patient, settings) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    limit = int(rates["device"].split("/")[0])
    client = api(patient.user)
    codes = [
        client.post(URL, {"platform": "ios", "token": f"t{i}"}).status_code
        for i in range(limit + 1)
    ]
    assert codes[:limit] == [201] * limit
    assert codes[-1] == 429


def test_listing_devices_is_not_throttled(api, patient, settings) -> None:
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["device"].split("/")[0])
    client = api(patient.user)
    assert {client.get(URL).status_code for _ in range(limit + 1)} == {200}


@pytest.mark.parametrize("size", [1, 5, 20])
def test_the_device_list_has_a_fixed_query_budget(
    api, patient, size, django_assert_max_num_queries
) -> None:
    DeviceFactory.create_batch(size, user=patient.user)
    with django_assert_max_num_queries(1):
        api(patient.user).get(URL)
