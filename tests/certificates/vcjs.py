"""Run the independent verifier (js/verify.mjs, Digital Bazaar's VC libraries)
on what we produce (scripts/verifier-tools.sh installs it), and the sample
claim the certificate crypto tests sign."""

import dataclasses
import datetime as dt
import json
import subprocess
import tempfile
import uuid
from functools import cache
from pathlib import Path

import certificates
from certificates.credential import AchievementClaim

ROOT = Path(__file__).resolve().parents[2]
JS_DIR = Path(__file__).with_name("js")
CONTEXTS_DIR = Path(certificates.__file__).with_name("contexts")


@cache
def install_verifier() -> None:
    """``npm ci`` once if needed (a no-op when ``make test`` already did it)."""
    subprocess.run([ROOT / "scripts" / "verifier-tools.sh"], check=True)  # noqa: S603


def verify_with_vcjs(
    credential: dict,
    *,
    did_document: dict,
    status_list: dict | None = None,
    contexts_dir: Path = CONTEXTS_DIR,
) -> dict:
    """{"verified": bool, "errors": [str], "revoked": bool | None}"""
    install_verifier()
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        documents = {"credential": credential, "did": did_document}
        if status_list is not None:
            documents["status"] = status_list
        for name, document in documents.items():
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(document))
            args.append(str(path))
        args.insert(1, str(contexts_dir))
        done = subprocess.run(  # noqa: S603
            ["node", str(JS_DIR / "verify.mjs"), *args],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def sample_claim(**changes) -> AchievementClaim:
    """A typical certificate's claim (the tests here sign and verify it)."""
    claim = AchievementClaim(
        certificate_id=uuid.UUID("6f1c2a9e-0d4b-4c1e-9a57-3b8e2f6d1c40"),
        learner_name="Asha Mwangi",
        course_title="AI literacy for everyone",
        course_description="What AI is, what it can and cannot do, and how to use it.",
        criteria="Complete every lesson and pass each module quiz with 70% or more.",
        course_url="http://127.0.0.1:8000/en/courses/ai-literacy-for-everyone/",
        language="sw",
        valid_from=dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC),
        status_list_url="http://127.0.0.1:8000/certificates/status/1",
        status_index=4242,
    )
    return dataclasses.replace(claim, **changes)
