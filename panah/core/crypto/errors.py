"""The errors of the crypto package: each names what is wrong, never a secret or a plaintext."""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every crypto failure.

    Deliberately not a ValueError, TypeError or AttributeError: Django templates swallow those
    while resolving variables, and a value that fails to decrypt must fail loudly.
    """


class MasterKeyError(CryptoError):
    """The master keyring file is missing, unreadable, malformed or lacks a needed key."""


class DecryptionError(CryptoError):
    """A ciphertext, wrapped key or encrypted file does not open: altered, moved or wrong key."""


class PlaintextWriteError(CryptoError, TypeError):
    """Something tried to write or query an encrypted column with a plain value."""
