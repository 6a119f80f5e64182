"""Encrypted model fields: AES-256-GCM under the owning person's data key.

How it works
- A model with encrypted fields declares who owns its data key by defining `data_key()`: a
  `DataKeyHolder` (the Person) holds its own wrapped key; a dependent row (a document, a case
  note) returns its person's key (`return self.person.data_key()`).
- Ciphertext format (version 1), stored in a binary column:
  `0x01 | data key id (8 bytes) | nonce (12 bytes) | AES-GCM ciphertext and tag`.
  The plaintext is padded to a multiple of 16 bytes, so lengths leak only coarsely.
- Associated data = the 9-byte header + "table|column|primary key". A ciphertext copied into
  another row or column, or under another key, fails with DecryptionError naming the table,
  column and row; it is never shown, and never written back as if it were plaintext.
- New rows: every model with encrypted fields has a primary key generated in Python
  (`UUIDField(primary_key=True, default=uuid.uuid4)`), so the key is known before the INSERT
  and the row is written once, already encrypted. A system check refuses other primary keys.
- Reading: the column loads as an opaque `Sealed` value; the field's descriptor decrypts on
  first attribute access (the instance knows its primary key and owner then) and keeps the
  plaintext on the instance. `.values()` returns `Sealed` objects, which refuse to print.
- Writing: `pre_save` encrypts (it is the only hook that sees the instance); unchanged values
  keep their ciphertext. Anything else that tries to put a plain value into the column
  (`filter(name=...)`, `update(name=...)`, `bulk_update`) raises PlaintextWriteError: search
  through the blind index instead.
- Renaming a model's table or a field's column changes the associated data: it needs a data
  migration that decrypts and re-encrypts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag
from django.core import checks
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.functional import cached_property

from .errors import DecryptionError, PlaintextWriteError
from .keys import NONCE_BYTES, DataKey, WrappedDataKey, new_data_key, open_data_key

VERSION = 1
KEY_ID_BYTES = 8
HEADER_BYTES = 1 + KEY_ID_BYTES
PAD_BLOCK = 16


class Sealed:
    """Ciphertext as read from the database, not yet decrypted. It never prints as text."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        self.blob = blob

    def __repr__(self) -> str:
        return f"<Sealed {len(self.blob)} bytes>"

    def __str__(self) -> str:
        raise DecryptionError("An encrypted value was about to be shown without decryption.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.blob == self.blob

    def __hash__(self) -> int:
        return hash(self.blob)


def _pad(data: bytes) -> bytes:
    data += b"\x80"
    return data + b"\x00" * (-len(data) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ValueError("bad padding")
    return stripped[:-1]


def encrypt_bytes(key: DataKey, plaintext: bytes, context: bytes) -> bytes:
    """Version-1 ciphertext of `plaintext` bound to `context` (table|column|row)."""
    header = bytes([VERSION]) + key.key_id
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + key.aead.encrypt(nonce, _pad(plaintext), header + b"|" + context)


def decrypt_bytes(
    key: DataKey, blob: bytes, context: bytes, *, where: str | Callable[[], str]
) -> bytes:
    """The plaintext of a version-1 ciphertext, or DecryptionError saying `where` it failed.

    `where` may be a function: the description is only built when something fails.
    """
    if len(blob) < HEADER_BYTES + NONCE_BYTES + 16 or blob[0] != VERSION:
        raise DecryptionError(
            f"{_describe(where)} is not a Panah ciphertext (damaged or unknown format)."
        )
    if blob[1:HEADER_BYTES] != key.key_id:
        raise DecryptionError(
            f"{_describe(where)} was encrypted under data key {blob[1:HEADER_BYTES].hex()}, "
            f"but its owner holds {key.key_id.hex()}: it was copied from another record."
        )
    try:
        padded = key.aead.decrypt(
            blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES],
            blob[HEADER_BYTES + NONCE_BYTES :],
            blob[:HEADER_BYTES] + b"|" + context,
        )
        return _unpad(padded)
    except (InvalidTag, ValueError):
        raise DecryptionError(
            f"{_describe(where)} does not decrypt: it was altered, or copied from another "
            "row or column."
        ) from None


def _describe(where: str | Callable[[], str]) -> str:
    return where if isinstance(where, str) else where()


def field_context(table: str, column: str, pk: object) -> bytes:
    return f"{table}|{column}|{pk}".encode()


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first access and keeps the plaintext on the instance."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        data = instance.__dict__
        name = self.field.attname
        if name not in data:
            super().__get__(instance, cls)  # a deferred field: load it
        value = data[name]
        if isinstance(value, Sealed):
            value = self.field.open(instance, value)
            data[name] = value
        return value

    def __set__(self, instance, value) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.BinaryField):
    """Base of the encrypted fields: subclasses say how a value becomes bytes and back."""

    descriptor_class = EncryptedAttribute
    empty_python_value: Any = None

    def __init__(self, *args, **kwargs) -> None:
        kwargs["null"] = True  # an empty value is stored as NULL, never as an encrypted ""
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    # -- conversions (subclasses) --
    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        return value is None

    # -- crypto --
    def _where(self, instance) -> str:
        return f"{self.model._meta.db_table}.{self.column} of row {instance.pk}"

    @cached_property
    def _context_prefix(self) -> bytes:
        return field_context(self.model._meta.db_table, self.column, "")

    def _context(self, instance) -> bytes:
        pk = instance.pk
        if pk is None:
            raise DecryptionError(f"{self._where(instance)}: the row has no primary key yet.")
        # str(uuid) is slow enough to matter in a list of thousands: once per instance.
        cached = instance.__dict__.get("_panah_pk_text")
        if cached is None or cached[0] != pk:
            cached = (pk, str(pk).encode())
            instance.__dict__["_panah_pk_text"] = cached
        return self._context_prefix + cached[1]

    def open(self, instance, sealed: Sealed) -> Any:
        """Decrypt a value loaded from this field of `instance`."""
        plaintext = decrypt_bytes(
            instance.data_key(),
            sealed.blob,
            self._context(instance),
            where=lambda: self._where(instance),
        )
        value = self.from_bytes(plaintext)
        # Remember what was read, so saving an unchanged value keeps its ciphertext.
        instance.__dict__.setdefault("_panah_sealed", {})[self.attname] = (
            instance.pk,
            sealed,
            value,
        )
        return value

    def seal(self, instance, value: Any) -> Sealed:
        return Sealed(
            encrypt_bytes(instance.data_key(), self.to_bytes(value), self._context(instance))
        )

    # -- Django hooks --
    def from_db_value(self, value, expression, connection):
        if value is None:
            return self.empty_python_value
        return Sealed(bytes(value))

    def pre_save(self, model_instance, add: bool):
        value = model_instance.__dict__.get(self.attname)
        if isinstance(value, Sealed):
            # Never decrypted since loading: prove it belongs to this row, then keep it.
            self.open(model_instance, value)
            return value
        if self.is_empty(value):
            return None
        read = model_instance.__dict__.get("_panah_sealed", {}).get(self.attname)
        if read is not None and read[0] == model_instance.pk and _same(read[2], value):
            return read[1]
        return self.seal(model_instance, value)

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        raise PlaintextWriteError(
            f"{self.model.__name__}.{self.name} is encrypted: it is written only by saving the "
            "model, and searched only through the blind index."
        )

    def to_python(self, value):
        return value

    def value_to_string(self, obj) -> str:
        raise PlaintextWriteError(
            f"{self.model.__name__}.{self.name} is encrypted and is not serialised; "
            "use the backup command."
        )

    def formfield(self, **kwargs):
        return None  # forms are explicit; the model never offers ciphertext to a form

    def _check_str_default_value(self):
        return []  # the default is a plaintext value (""), encrypted on save

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        model = self.model
        if model._meta.abstract:
            return errors
        pk = model._meta.pk
        if not pk.has_default() or isinstance(pk, models.AutoField):
            errors.append(
                checks.Error(
                    "A model with encrypted fields needs a primary key generated in Python "
                    "(UUIDField(primary_key=True, default=uuid.uuid4)): the key is part of "
                    "each ciphertext's associated data.",
                    obj=self,
                    id="panah.crypto.E001",
                )
            )
        if not callable(getattr(model, "data_key", None)):
            errors.append(
                checks.Error(
                    "A model with encrypted fields must define data_key() returning its "
                    "owner's data key (see DataKeyHolder).",
                    obj=self,
                    id="panah.crypto.E002",
                )
            )
        return errors


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


class EncryptedTextField(EncryptedField):
    """Text (names, addresses, notes). The empty string is stored as NULL."""

    empty_python_value = ""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    def to_bytes(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise PlaintextWriteError(f"{self.name} takes text, not {type(value).__name__}.")
        return value.encode("utf-8")

    def from_bytes(self, data: bytes) -> str:
        return data.decode("utf-8")


class EncryptedDateField(EncryptedField):
    """A calendar date (Gregorian; show it with the dual_date filter)."""

    def to_bytes(self, value: Any) -> bytes:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise PlaintextWriteError(f"{self.name} takes a date, not {type(value).__name__}.")
        return value.isoformat().encode()

    def from_bytes(self, data: bytes) -> dt.date:
        return dt.date.fromisoformat(data.decode())


class EncryptedJSONField(EncryptedField):
    """Any JSON value (lists of languages, small structured facts)."""

    def to_bytes(self, value: Any) -> bytes:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise PlaintextWriteError(f"{self.name} takes JSON values: {exc}") from None
        return text.encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))


class WrappedDataKeyField(models.BinaryField):
    """The record's data key, wrapped; a new record gets one just before it is first written."""

    def pre_save(self, model_instance, add: bool):
        if add and not getattr(model_instance, self.attname):
            model_instance.data_key()  # issues the key and fills the three key columns
        return getattr(model_instance, self.attname)


class DataKeyHolder(models.Model):
    """A record that owns a data key (a Person): its dependants' encrypted fields use it too.

    The wrapped key is declared first so that, when a new row is inserted, it is issued before
    the other columns (the key ids, the encrypted fields) are read. Erasing the record's
    personal data = destroying these three columns (crypto-shredding).
    """

    data_key_wrapped = WrappedDataKeyField(null=True, editable=False)
    data_key_id = models.CharField(max_length=16, blank=True, editable=False)
    data_key_org_key_id = models.CharField(max_length=32, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def key_organisation_id(self) -> int:
        """The organisation whose key wraps this record's data key."""
        return self.organisation_id

    def data_key(self) -> DataKey:
        """This record's unwrapped data key (issued on first use for a new record)."""
        wrapped = self.data_key_wrapped
        if not wrapped:
            if not self._state.adding:
                raise DecryptionError(
                    f"{self._meta.db_table} row {self.pk} has no data key: its data was erased."
                )
            stored, key = new_data_key(
                organisation_id=self.key_organisation_id(),
                table=self._meta.db_table,
                pk=self.pk,
            )
            self.data_key_wrapped = stored.wrapped
            self.data_key_id = stored.data_key_id
            self.data_key_org_key_id = stored.org_key_id
            self.__dict__["_panah_data_key"] = (stored.wrapped, key)
            return key
        cached = self.__dict__.get("_panah_data_key")
        if cached is not None and cached[0] is wrapped:
            return cached[1]
        key = open_data_key(
            organisation_id=self.key_organisation_id(),
            table=self._meta.db_table,
            pk=self.pk,
            stored=WrappedDataKey(self.data_key_id, self.data_key_org_key_id, wrapped),
        )
        self.__dict__["_panah_data_key"] = (wrapped, key)
        return key

    def stored_data_key(self) -> WrappedDataKey | None:
        if not self.data_key_wrapped:
            return None
        return WrappedDataKey(
            self.data_key_id, self.data_key_org_key_id, bytes(self.data_key_wrapped)
        )
