"""Event photos: no location leaves with them, faces are blurred, consent gates publication."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from conftest import verified_client
from panah.advocacy import services
from panah.advocacy.models import Event, EventPhoto, EventReport
from panah.core.crypto.files import EncryptedFileStore

from .scenario import photo_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(org_a, year, coordinator_a):
    with scope(organisation=org_a):
        Event.objects.filter(pk=year.rally.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=3),
            ends_at=timezone.now() - dt.timedelta(hours=1),
        )
        year.rally.refresh_from_db()
        return services.record_report(event=year.rally, by=coordinator_a, attendance_estimate=300)


def _stored(photo) -> bytes:
    return EncryptedFileStore().open(photo.stored_file, key=photo.data_key(),
                                     context=photo.file_context(), where="test")  # fmt: skip


def test_a_photo_with_a_gps_position_is_kept_without_it_and_the_coordinator_is_told(
    org_a, year, report, coordinator_a
):
    client = verified_client(coordinator_a)
    upload = SimpleUploadedFile("rally.jpg", photo_bytes(), content_type="image/jpeg")
    r = client.post(reverse("advocacy:event_photo", args=[year.rally.pk]),
                    {"upload": upload, "everyone_consented": "on"}, follow=True)  # fmt: skip
    assert "position where it was taken" in r.content.decode()
    with scope(organisation=org_a):
        photo = EventPhoto.objects.get()
        stored = _stored(photo)
    from PIL import Image

    assert photo.had_location
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif().get_ifd(0x8825)
    # And the file on disk is ciphertext, not a JPEG.
    raw = EncryptedFileStore().path(photo.stored_file).read_bytes()
    assert not raw.startswith(b"\xff\xd8\xff")


def test_marked_faces_are_blurred_before_anything_is_kept(org_a, report, coordinator_a):
    from PIL import Image

    original = photo_bytes(with_location=False)
    with scope(organisation=org_a):
        photo = services.add_photo(report=report, upload=original, by=coordinator_a,
                                   blur="0, 0, 50, 100")  # fmt: skip
        stored = _stored(photo)
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(stored)) as after:
        left_before = [before.getpixel((x, 10)) for x in range(0, 40)]
        left_after = [after.getpixel((x, 10)) for x in range(0, 40)]
        right_after = after.getpixel((80, 10))
    # The checkerboard on the left is gone (all grey-ish now); the right half is still red.
    assert len({p[0] // 64 for p in left_before}) > 1
    assert max(p[0] for p in left_after) - min(p[0] for p in left_after) < 60
    assert right_after[0] > 150 and right_after[1] < 90
    assert photo.blurred


def test_a_photo_without_consent_or_blur_stays_private(org_a, year, report, coordinator_a):
    with scope(organisation=org_a):
        photo = services.add_photo(report=report, upload=photo_bytes(), by=coordinator_a)
        with pytest.raises(ValidationError) as exc:
            services.publish_photo(photo=photo, by=coordinator_a)
        services.publish_report(report=report, by=coordinator_a)
    assert "blur their face" in exc.value.messages[0]
    r = Client().get(reverse("campaign:photo", args=[org_a.slug, photo.pk]))
    assert r.status_code == 404


def test_a_malformed_blur_line_is_refused_and_nothing_is_kept(org_a, report, coordinator_a):
    with scope(organisation=org_a), pytest.raises(ValidationError) as exc:
        services.add_photo(report=report, upload=photo_bytes(), by=coordinator_a,
                           blur="left side please")  # fmt: skip
    assert "percent" in exc.value.message_dict["blur"][0]
    with scope(organisation=org_a):
        assert not EventPhoto.objects.exists()
    assert list(EncryptedFileStore().stored()) == []


def test_a_pdf_is_not_a_photo(org_a, report, coordinator_a):
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    with scope(organisation=org_a), pytest.raises(ValidationError):
        services.add_photo(report=report, upload=pdf, by=coordinator_a, everyone_consented=True)


def test_a_published_photo_is_served_to_the_public_without_location(
    org_a, year, report, coordinator_a
):
    with scope(organisation=org_a):
        photo = services.add_photo(report=report, upload=photo_bytes(), by=coordinator_a,
                                   everyone_consented=True, caption="Crowd")  # fmt: skip
        services.publish_photo(photo=photo, by=coordinator_a)
        services.publish_report(report=report, by=coordinator_a)
    page = (
        Client().get(reverse("campaign:event", args=[org_a.slug, year.rally.pk])).content.decode()
    )
    assert reverse("campaign:photo", args=[org_a.slug, photo.pk]) in page
    r = Client().get(reverse("campaign:photo", args=[org_a.slug, photo.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert b"\x00\x00\x00N\x00" not in r.content and b"GPS" not in r.content


def test_a_tampered_photo_fails_closed(org_a, report, coordinator_a):
    from panah.core.crypto.errors import DecryptionError

    with scope(organisation=org_a):
        photo = services.add_photo(report=report, upload=photo_bytes(), by=coordinator_a,
                                   everyone_consented=True)  # fmt: skip
    path = EncryptedFileStore().path(photo.stored_file)
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    with scope(organisation=org_a), pytest.raises(DecryptionError):
        _stored(EventPhoto.objects.get(pk=photo.pk))


def test_another_organisation_cannot_open_the_photo(
    org_a, org_b, report, coordinator_a, make_member
):
    with scope(organisation=org_a):
        photo = services.add_photo(report=report, upload=photo_bytes(), by=coordinator_a,
                                   everyone_consented=True)  # fmt: skip
    outsider = verified_client(make_member(org_b, ["coordinator"]))
    assert outsider.get(reverse("advocacy:photo_file", args=[photo.pk])).status_code == 404
    assert Client().get(reverse("campaign:photo", args=[org_b.slug, photo.pk])).status_code == 404


def test_the_report_exists_before_photos(org_a, year, coordinator_a):
    client = verified_client(coordinator_a)
    r = client.get(reverse("advocacy:event_photo", args=[year.rally.pk]))
    assert r.status_code == 302
    with scope(organisation=org_a):
        assert not EventReport.objects.exists()
