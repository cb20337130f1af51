"""An empty key directory after certificates were issued is a lost back-up,
not a first run: nothing makes new keys silently."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certificates import keys
from config import checks

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_keys(certificate, settings, tmp_path):
    settings.PAMOJA_KEY_DIR = tmp_path / "restored-empty"
    keys.reset_keyset_cache()
    yield settings.PAMOJA_KEY_DIR
    keys.reset_keyset_cache()


def test_signing_refuses_to_make_new_keys_once_certificates_exist(lost_keys):
    with pytest.raises(keys.KeysMissing, match="Restore the directory"):
        keys.get_keyset()

    assert not (lost_keys / keys.MANIFEST).exists()


def test_the_system_check_names_the_problem_before_a_worker_meets_it(lost_keys):
    errors = checks.check_signing_keys_present(None, databases=["default"])

    assert [error.id for error in errors] == ["pamoja.E010"]
    assert str(lost_keys) in errors[0].msg


def test_the_check_is_quiet_when_the_keys_are_there(certificate):
    assert checks.check_signing_keys_present(None, databases=["default"]) == []


def test_the_operator_can_start_over_only_by_saying_so(lost_keys, capsys):
    with pytest.raises(CommandError, match="--after-loss"):
        call_command("generate_issuer_keys")

    call_command("generate_issuer_keys", "--after-loss")

    assert (lost_keys / keys.MANIFEST).exists()
    assert "no longer verify" in capsys.readouterr().err
    with pytest.raises(CommandError, match="already holds keys"):
        call_command("generate_issuer_keys", "--after-loss")


def test_a_first_run_still_makes_its_keys(settings, tmp_path):
    settings.PAMOJA_KEY_DIR = tmp_path / "new"
    keys.reset_keyset_cache()
    try:
        assert keys.get_keyset().current.kid
    finally:
        keys.reset_keyset_cache()
