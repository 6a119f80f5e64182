"""Uploads: type and size limits, metadata stripped, encrypted on disk under random names."""

import io
import os
import re
import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from panah.core.crypto import DecryptionError
from panah.core.crypto.fields import field_context
from panah.core.crypto.files import EncryptedFileStore, clean_upload
from panah.core.crypto.keys import DataKey

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90
    exif[GPS_IFD] = {1: "N", 2: (50.0, 50.0, 0.0), 3: "E", 4: (4.0, 21.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Author")
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf(marker: str = "hello") -> bytes:
    return f"%PDF-1.4\n1 0 obj << /Title ({marker}) >> endobj\ntrailer << >>\n%%EOF\n".encode()


@pytest.fixture
def key() -> DataKey:
    return DataKey(b"\x11" * 8, AESGCM(b"\x22" * 32))


def test_a_jpeg_loses_its_exif_and_gps_but_stays_upright():
    original = jpeg_with_gps()
    assert b"SecretCam" in original
    clean = clean_upload(SimpleUploadedFile("IMG_0001.jpg", original))
    assert clean.content_type == "image/jpeg"
    assert b"SecretCam" not in clean.data and b"Exif" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (30, 40)  # turned by the orientation tag before it was dropped


def test_a_png_loses_its_text_chunks():
    clean = clean_upload(SimpleUploadedFile("scan.png", png_with_text()))
    assert clean.content_type == "image/png"
    assert b"Secret Author" not in clean.data


def test_the_type_is_read_from_the_content_not_the_name():
    with pytest.raises(ValidationError) as exc:
        clean_upload(SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 an executable"))
    assert exc.value.messages == ["Only JPEG and PNG images and PDF documents can be uploaded."]


def test_a_file_over_the_limit_is_refused_with_both_sizes(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        clean_upload(SimpleUploadedFile("big.pdf", pdf() + b"x" * 2000))
    assert exc.value.messages == ["The file is 2.0\xa0KB; files may be at most 1.0\xa0KB."]


def test_a_truncated_image_is_refused():
    data = jpeg_with_gps()
    with pytest.raises(ValidationError) as exc:
        clean_upload(SimpleUploadedFile("cut.jpg", data[: len(data) // 2]))
    assert exc.value.messages == ["The image is damaged or incomplete. Upload it again."]


def test_a_truncated_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_upload(SimpleUploadedFile("cut.pdf", pdf()[:30]))
    assert exc.value.messages == [
        "The PDF is incomplete (it does not end properly). Upload it again."
    ]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        clean_upload(SimpleUploadedFile("empty.pdf", b""))
    assert exc.value.messages == ["The file is empty."]


def test_files_are_encrypted_under_a_random_name(tmp_path, key):
    store = EncryptedFileStore(tmp_path)
    context = field_context("people_persondocument", "stored_file", "row-1")
    name = store.save(pdf("Narges Mohammadi"), key=key, context=context)
    assert re.fullmatch(r"[0-9a-f]{32}", name)
    path = tmp_path / name[:2] / name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"Narges" not in path.read_bytes() and b"%PDF" not in path.read_bytes()
    assert store.open(name, key=key, context=context, where="row-1") == pdf("Narges Mohammadi")


def test_a_file_moved_to_another_row_does_not_decrypt(tmp_path, key):
    store = EncryptedFileStore(tmp_path)
    name = store.save(pdf(), key=key, context=field_context("t", "stored_file", "row-1"))
    with pytest.raises(DecryptionError) as exc:
        store.open(name, key=key, context=field_context("t", "stored_file", "row-2"), where="row-2")
    assert str(exc.value) == (
        "the encrypted file of row-2 does not decrypt: it was altered, or copied from another "
        "row or column."
    )


def test_a_truncated_or_missing_encrypted_file_is_a_clear_error(tmp_path, key):
    store = EncryptedFileStore(tmp_path)
    context = field_context("t", "stored_file", "row-1")
    name = store.save(pdf(), key=key, context=context)
    path = store.path(name)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DecryptionError, match="does not decrypt"):
        store.open(name, key=key, context=context, where="row-1")
    path.unlink()
    with pytest.raises(
        DecryptionError, match=f"The encrypted file of row-1 is missing \\({name}\\)"
    ):
        store.open(name, key=key, context=context, where="row-1")


def test_a_stored_name_cannot_point_outside_the_store(tmp_path, key):
    with pytest.raises(DecryptionError, match="is not the name of an encrypted file"):
        EncryptedFileStore(tmp_path).open("../../etc/passwd", key=key, context=b"", where="x")
