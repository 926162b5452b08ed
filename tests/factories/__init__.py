from tests.factories.recovery import (
    PASSWORD,
    CareTeamFactory,
    ClinicianFactory,
    PatientFactory,
    SurgeryFactory,
    UserFactory,
)

__all__ = [
    "PASSWORD",
    "CareTeamFactory",
    "ClinicianFactory",
    "PatientFactory",
    "SurgeryFactory",
    "UserFactory",
]
