import uuid

from django.conf import settings
from django.db import models


class CareTeam(models.Model):
    """A clinic's spine team; the unit of access for clinicians."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    # patient app (issue 20): the number "call your surgical team today" dials (tel: link).
    phone = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CareTeamMembership(models.Model):
    class Role(models.TextChoices):
        SURGEON = "surgeon", "Surgeon"
        NURSE = "nurse", "Nurse"
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
        COORDINATOR = "coordinator", "Coordinator"

    team = models.ForeignKey(CareTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=["surgeon", "nurse", "physiotherapist", "coordinator"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.team}"
