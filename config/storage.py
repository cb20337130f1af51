"""Media storage that never leaves a half-written file.

Django's FileSystemStorage writes straight into the destination: when the disk
fills up mid-write, a truncated file stays under the final name (a certificate
PDF that would not open, an upload cut short). Here the bytes go to a hidden
temporary file beside the destination, which is renamed into place only when
complete; on any write error it is removed and the error logged and raised,
so the caller records nothing and may retry.
"""

import logging
import os
import tempfile

from django.core.files import File
from django.core.files.storage import FileSystemStorage

log = logging.getLogger(__name__)


class _Written(File):
    """A complete file on disk: FileSystemStorage moves it into place."""

    def temporary_file_path(self):
        return self.name


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        if hasattr(content, "temporary_file_path"):
            return super()._save(name, content)
        try:
            return self._save_complete(name, content)
        except OSError as error:
            log.error("media file %s not stored: %s", name, error)
            raise

    def _save_complete(self, name, content):
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            return super()._save(name, _Written(None, name=temporary))
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
