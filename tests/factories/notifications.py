import factory

from notifications.models import Endpoint, Preference
from tests.factories.recovery import UserFactory


class DeviceFactory(factory.django.DjangoModelFactory):
    """A registered push device."""

    class Meta:
        model = Endpoint

    user = factory.SubFactory(UserFactory)
    kind = Endpoint.Kind.PUSH
    platform = Endpoint.Platform.IOS
    token = factory.Sequence(lambda n: f"device-token-{n:06d}")


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    timezone = "America/New_York"
