"""Media on an S3-compatible bucket is one setting away (README, "Scaling
out"); without it, files stay on disk."""

from tests.config.test_settings import PRODUCTION, manage

SHOW = (
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(type(s).__name__, getattr(s, 'bucket_name', '-'), "
    "getattr(s, 'endpoint_url', '-'), getattr(s, 'file_overwrite', '-'), "
    "getattr(s, 'querystring_auth', '-'))"
)


def test_production_media_are_on_disk_by_default():
    result = manage("shell", "-v", "0", "-c", SHOW, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    # FileSystemStorage that renames complete files into place (config/storage.py).
    assert result.stdout.split()[0] == "AtomicFileSystemStorage"


def test_production_media_go_to_the_bucket_named_by_the_setting():
    env = {
        **PRODUCTION,
        "PAMOJA_MEDIA_S3_BUCKET": "pamoja-media",
        "PAMOJA_MEDIA_S3_ENDPOINT_URL": "https://s3.example.org",
        "PAMOJA_MEDIA_S3_ACCESS_KEY_ID": "id",
        "PAMOJA_MEDIA_S3_SECRET_ACCESS_KEY": "secret",
    }
    result = manage("shell", "-v", "0", "-c", SHOW, **env)

    assert result.returncode == 0, result.stderr
    # Private objects, signed URLs, and never one name for two renders.
    assert result.stdout.split() == [
        "S3Storage",
        "pamoja-media",
        "https://s3.example.org",
        "False",
        "True",
    ]
