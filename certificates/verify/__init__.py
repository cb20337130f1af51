"""One verifier for every way of checking a certificate (DESIGN §5,
"Verification"): a typed code, the credential JSON, the PDF, the QR link.

The verify pages, the API, the bulk endpoint and ``manage.py
verify_certificates`` all call these functions and show what they return: an
:class:`Outcome`, a translated one-line message, and the :class:`Check` rows
that led there.

The rules:

- never ``valid`` on any failed check. Every failed check forces an outcome and
  the most severe wins: ``invalid``, then ``revoked``, ``superseded``,
  ``unknown``;
- a signature is checked before anything it covers is believed: once a check
  says ``invalid``, nothing more is read from the input, and an invalid result
  has no details;
- *online* (:meth:`Trust.online`) the database is the register. A credential,
  PDF or QR code must match the registered certificate exactly, and the
  register's status (revoked with date and reason, superseded with the new
  code) is the answer. The stored credential's proof is checked too, so a row
  edited behind the application's back is not believed (except in bulk, which
  answers from the register alone);
- *offline* (:meth:`Trust.from_bundle`) nothing but the trust bundle is used:
  no network, no database. Revocation is as of the bundle's ``generatedAt``
  (``Result.as_of``). Codes cannot be looked up and a QR code carries no status
  entry, so those answer ``unknown`` once what can be checked is checked.

Input that is no certificate question at all (not JSON, not a PDF, too big)
raises :class:`InputError` (``status_code`` 400, or 413 for
:class:`InputTooLarge`) with a translated message.
"""

from .credentials import verify_credential
from .pdf import verify_pdf
from .qr import verify_qr_url
from .register import verify_code, verify_codes
from .results import (
    CHECK_LABELS,
    Check,
    Details,
    InputError,
    InputTooLarge,
    Outcome,
    Result,
)
from .trust import Trust

__all__ = [
    "CHECK_LABELS",
    "Check",
    "Details",
    "InputError",
    "InputTooLarge",
    "Outcome",
    "Result",
    "Trust",
    "verify_code",
    "verify_codes",
    "verify_credential",
    "verify_pdf",
    "verify_qr_url",
]
