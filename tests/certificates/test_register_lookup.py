"""The compiled lookup by code answers exactly what the ORM query does."""

from certificates import api
from certificates.verify import register
from tests.certificates.verifying import issued  # noqa: F401 - a fixture


def test_the_compiled_lookup_equals_the_orm_lookup(
    issued,  # noqa: F811
    trainer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        new = api.reissue_certificate(certificate=issued, by=trainer, name="Asha P.")
    issued.refresh_from_db()
    for code in (issued.code, new.code):
        compiled = register.record_by_code(code)
        assert compiled == register.record(code=code)
    old = register.record_by_code(issued.code)
    assert old.superseded_by__code == new.code  # the joined column
    assert isinstance(old.credential, dict)  # JSON decoded like the ORM does
    assert register.record_by_code("PMJ-0000-0000-0000-0") is None
