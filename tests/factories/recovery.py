from datetime import date, timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from notifications.models import Preference
from recovery.models import CareTeam, CareTeamMembership, Patient, Surgery

PASSWORD = "correct-horse-battery-staple"
DEFAULT_PATIENT_TIMEZONE = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeam
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Spine Team {n}")


class ClinicianFactory(UserFactory):
    """A user with a membership in each of `care_teams` (a new team when none is given)."""

    username = factory.Sequence(lambda n: f"clinician{n}")

    @factory.post_generation
    def care_teams(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        role = kwargs.get("role", CareTeamMembership.Role.NURSE)
        for team in extracted or [CareTeamFactory()]:
            CareTeamMembership.objects.create(team=team, user=obj, role=role)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"patient{n}"))
    care_team = factory.SubFactory(CareTeamFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = date(1961, 4, 2)
    sex = "female"
    email = factory.LazyAttribute(lambda p: p.user.email)
    smoking_status = "never"
    bone_quality = "normal"

    @factory.post_generation
    def timezone(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        """`PatientFactory(timezone=...)`: the zone lives on the notification preferences.

        Enrollment always stores one, so every factory patient has a preference row too.
        """
        zone = extracted or DEFAULT_PATIENT_TIMEZONE
        if create:
            # By id, not instance: no reverse cache is left that a later change would make stale.
            Preference.objects.update_or_create(user_id=obj.user_id, defaults={"timezone": zone})
        else:
            Preference(user=obj.user, timezone=zone)  # caches itself on the unsaved user

    @factory.post_generation
    def language(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        """`PatientFactory(language="es")`: stored once, on the preferences (issue 19)."""
        if not extracted:
            return
        if create:
            Preference.objects.filter(user_id=obj.user_id).update(language=extracted)
        else:
            obj.user.notification_preference.language = extracted

    # After the zone: building the surgery may read the patient's calendar.
    surgery = factory.RelatedFactory(
        "tests.factories.recovery.SurgeryFactory", factory_related_name="patient"
    )


class SurgeryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Surgery
        skip_postgeneration_save = True

    patient = factory.SubFactory(PatientFactory, surgery=None)
    date = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=10))
    levels = "L3-L4"
    indication = "spondylolisthesis"
    approach = "open"
    technique = "tlif"
    brace_prescribed = False
    discharge_date = factory.LazyAttribute(lambda s: s.date + timedelta(days=3))
    surgeon = "Dr. Example"
