import factory
from django.utils import timezone

from recovery.models import CaregiverLink, CaregiverScope
from tests.factories.recovery import PatientFactory, UserFactory


class CaregiverLinkFactory(factory.django.DjangoModelFactory):
    """An accepted link: `caregiver` has their own account and every scope unless told."""

    class Meta:
        model = CaregiverLink

    patient = factory.SubFactory(PatientFactory)
    caregiver = factory.SubFactory(
        UserFactory,
        username=factory.Sequence(lambda n: f"caregiver{n}"),
        first_name="Maria",
    )
    display_name = "Maria"
    relationship = "daughter"
    scopes = factory.LazyFunction(lambda: list(CaregiverScope.values))
    invited_by = CaregiverLink.InvitedBy.PATIENT
    patient_asked = True
    accepted_at = factory.LazyFunction(timezone.now)
