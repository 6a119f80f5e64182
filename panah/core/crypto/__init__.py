"""Encryption at rest: envelope keys, encrypted model fields, blind index and encrypted files.

- `keys`: the master keyring (a file outside the database), organisation keys wrapped by it,
  and per-record data keys wrapped by an organisation key.
- `keyring_init`: a production server's first keyring (`panah keys init`), created only once.
- `fields`: EncryptedTextField, EncryptedDateField, EncryptedJSONField and the DataKeyHolder
  model base that owns a data key.
- `blind_index`: keyed hashes of normalised tokens, for exact-match search without plaintext.
- `files`: uploads checked, stripped of metadata and encrypted on disk under random names.
"""

from .errors import CryptoError, DecryptionError, MasterKeyError

__all__ = ["CryptoError", "DecryptionError", "MasterKeyError"]
