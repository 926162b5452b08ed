"""Wound photos (issue 21): the patient's upload and list, the care team's list and review,
and the authenticated image bytes for both.

Image bytes are never publicly addressable: every image and thumbnail link points at a view
below that applies the same scoping as the list (the patient's own photos, or the care team's
patients) and, for care-team reads, writes an access event. Responses are `no-store`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import CreatedCursorPagination
from core.schema import ErrorSerializer
from core.throttles import RedisScopedRateThrottle
from recovery.api.permissions import IsClinician, IsPatient
from recovery.models import AccessEvent, Patient, WoundPhoto
from recovery.selectors.patients import patient_for_user
from recovery.selectors.wound_photos import (
    wound_photo_get_for_clinician,
    wound_photo_get_for_patient,
    wound_photo_prompt_today,
    wound_photos_for_patient,
)
from recovery.services.audit import patient_access_for_clinician
from recovery.services.wound_photos import (
    max_upload_bytes,
    upload_too_large,
    wound_photo_access_for_clinician,
    wound_photo_get_for_replay,
    wound_photo_review,
    wound_photo_upload,
)

# Multipart framing around the file: a request this much over the limit is refused unread.
MULTIPART_OVERHEAD = 64 * 1024
VARIANTS = ("image", "thumbnail")


def _no_store(response: Any) -> Any:
    response["Cache-Control"] = "no-store"
    return response


class WoundPhotoInputSerializer(serializers.Serializer):
    id = serializers.UUIDField(error_messages={"invalid": "Must be a UUID made by the app."})
    taken_at = serializers.DateTimeField()
    image = serializers.FileField(
        allow_empty_file=False,
        max_length=255,
        error_messages={
            "required": "Attach the photo as `image`.",
            "invalid": "Attach the photo as a file in `image`.",
            "empty": "The photo file is empty.",
        },
    )
    check_in = serializers.UUIDField(required=False, allow_null=True, default=None)


class WoundPhotoOutputSerializer(serializers.ModelSerializer):
    check_in = serializers.UUIDField(source="check_in_id", allow_null=True)
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = WoundPhoto
        fields = [
            "id",
            "taken_at",
            "received_at",
            "postop_day",
            "check_in",
            "width",
            "height",
            "review_status",
            "reviewed_at",
            "reviewed_by",
            "image_url",
            "thumbnail_url",
        ]

    def _url(self, photo: WoundPhoto, variant: str) -> str:
        audience = self.context.get("audience", "me")
        return reverse(f"{audience}-wound-photo-{variant}", kwargs={"photo_id": photo.id})

    def get_image_url(self, photo: WoundPhoto) -> str:
        return self._url(photo, "image")

    def get_thumbnail_url(self, photo: WoundPhoto) -> str:
        return self._url(photo, "thumbnail")

    def get_reviewed_by(self, photo: WoundPhoto) -> str | None:
        # The patient sees that the team looked, not who; the team sees the name.
        if photo.reviewed_by is None or self.context.get("audience") != "care":
            return None
        return photo.reviewed_by.get_full_name() or photo.reviewed_by.get_username()


class CareWoundPhotoOutputSerializer(WoundPhotoOutputSerializer):
    class Meta(WoundPhotoOutputSerializer.Meta):
        fields = [*WoundPhotoOutputSerializer.Meta.fields, "review_note", "flag"]


class WoundPhotoCursorPagination(CreatedCursorPagination):
    ordering = ("-taken_at", "-id")  # the phone's clock order, newest first


class MyWoundPhotoListCreateApi(ListAPIView):
    """GET: the caller's own photos, newest first. POST: one photo (201; replay 200)."""

    permission_classes = [IsPatient]
    serializer_class = WoundPhotoOutputSerializer
    pagination_class = WoundPhotoCursorPagination
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "checkin"

    def get_throttles(self) -> list[Any]:
        return [RedisScopedRateThrottle()] if self.request.method == "POST" else []

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "audience": "me"}

    def patient(self) -> Patient:
        patient = patient_for_user(self.request.user)
        assert patient is not None  # IsPatient ran first
        return patient

    def get_queryset(self) -> Any:
        return wound_photos_for_patient(patient=self.patient())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _no_store(super().list(request, *args, **kwargs))

    @extend_schema(
        request={"multipart/form-data": WoundPhotoInputSerializer},
        responses={
            201: WoundPhotoOutputSerializer,
            200: WoundPhotoOutputSerializer,
            409: ErrorSerializer,
            413: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > max_upload_bytes() + MULTIPART_OVERHEAD:
            raise upload_too_large()  # refused before the body is parsed
        patient = self.patient()
        serializer = WoundPhotoInputSerializer(data=request.data)
        if not serializer.is_valid():
            # A replay answers from the stored row even if the retried body no longer validates.
            existing = _replay(patient, request.data)
            if existing is not None:
                return self._answer(existing, status.HTTP_200_OK)
            raise ValidationError(serializer.errors)
        data = serializer.validated_data
        result = wound_photo_upload(
            patient=patient,
            photo_id=data["id"],
            taken_at=data["taken_at"],
            image=data["image"],
            check_in_id=data["check_in"],
            now=timezone.now(),
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return self._answer(result.photo, code)

    def _answer(self, photo: WoundPhoto, code: int) -> Response:
        body = WoundPhotoOutputSerializer(photo, context={"audience": "me"}).data
        return _no_store(Response(body, status=code))


def _replay(patient: Patient, data: Any) -> WoundPhoto | None:
    try:
        photo_id = serializers.UUIDField().to_internal_value(data.get("id"))
    except (ValidationError, AttributeError):
        return None
    return wound_photo_get_for_replay(patient=patient, photo_id=photo_id)


class WoundPhotoPromptOutputSerializer(serializers.Serializer):
    due_today = serializers.BooleanField()
    postop_day = serializers.IntegerField(allow_null=True)
    first_day = serializers.IntegerField()
    last_day = serializers.IntegerField()
    instructions = serializers.ListField(child=serializers.CharField())
    sources = serializers.ListField(child=serializers.CharField())


class MyWoundPhotoPromptApi(APIView):
    """Today's photo prompt and the photo instructions shown with it [R177, R179]."""

    permission_classes = [IsPatient]

    @extend_schema(responses=WoundPhotoPromptOutputSerializer)
    def get(self, request: Request) -> Response:
        patient = patient_for_user(request.user)
        assert patient is not None
        body = wound_photo_prompt_today(patient=patient, now=timezone.now())
        return Response(WoundPhotoPromptOutputSerializer(body).data)


class CarePatientWoundPhotoListApi(ListAPIView):
    """A care-team patient's photos, newest first; each listing is audited."""

    permission_classes = [IsClinician]
    serializer_class = CareWoundPhotoOutputSerializer
    pagination_class = WoundPhotoCursorPagination

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "audience": "care"}

    def get_queryset(self) -> Any:
        patient = patient_access_for_clinician(
            clinician=self.request.user,
            patient_id=self.kwargs["patient_id"],
            request=self.request,
            purpose="wound_photo",
            action=AccessEvent.Action.LIST,
        )
        return wound_photos_for_patient(patient=patient)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _no_store(super().list(request, *args, **kwargs))


class WoundPhotoReviewInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[WoundPhoto.Review.LOOKS_FINE, WoundPhoto.Review.CONCERNING]
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", trim_whitespace=True
    )


class CareWoundPhotoReviewApi(APIView):
    """A nurse's review: `concerning` raises or escalates the infection flag to urgent."""

    permission_classes = [IsClinician]

    @extend_schema(
        request=WoundPhotoReviewInputSerializer, responses=CareWoundPhotoOutputSerializer
    )
    def post(self, request: Request, photo_id: str) -> Response:
        photo = wound_photo_get_for_clinician(clinician=request.user, photo_id=photo_id)
        serializer = WoundPhotoReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = wound_photo_review(
            photo=photo,
            actor=request.user,
            status=serializer.validated_data["status"],
            note=serializer.validated_data["note"],
            now=timezone.now(),
            request=request,
        )
        body = CareWoundPhotoOutputSerializer(photo, context={"audience": "care"}).data
        return _no_store(Response(body))


# ----------------------------------------------------------------------------- image bytes


class _FirstRenderer(BaseContentNegotiation):
    """Errors are JSON whatever the Accept header (an <img> asks for image/*)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


IMAGE_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.BINARY, description="The photo as a JPEG (no metadata)."
)


def _image_response(photo: WoundPhoto, variant: str) -> FileResponse:
    field = photo.image if variant == "image" else photo.thumbnail
    try:
        handle = field.storage.open(field.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("No such photo.") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="wound-photo-{variant}.jpg"'
    return _no_store(response)


class _ImageApi(APIView):
    content_negotiation_class = _FirstRenderer
    variant = "image"

    @classmethod
    def for_variant(cls, variant: str) -> Any:
        assert variant in VARIANTS
        return cls.as_view(variant=variant)


class MyWoundPhotoImageApi(_ImageApi):
    permission_classes = [IsPatient]

    @extend_schema(responses={(200, "image/jpeg"): IMAGE_RESPONSE})
    def get(self, request: Request, photo_id: str) -> FileResponse:
        photo = wound_photo_get_for_patient(user=request.user, photo_id=photo_id)
        return _image_response(photo, self.variant)


class CareWoundPhotoImageApi(_ImageApi):
    permission_classes = [IsClinician]

    @extend_schema(responses={(200, "image/jpeg"): IMAGE_RESPONSE})
    def get(self, request: Request, photo_id: str) -> FileResponse:
        photo = wound_photo_access_for_clinician(
            clinician=request.user,
            photo_id=photo_id,
            request=request,
            purpose=f"wound_photo_{self.variant}",
        )
        return _image_response(photo, self.variant)


def absolute_image_url(photo: WoundPhoto) -> str:
    """The care-team image link, absolute (for the FHIR bundle's Media.content.url)."""
    path = reverse("care-wound-photo-image", kwargs={"photo_id": photo.id})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}"
