"""Independent eyes on a certificate PDF: poppler (pdfsig, pdfinfo, pdffonts,
pdftotext, pdfdetach, pdftoppm), MuPDF (mutool), zbar (zbarimg) and NSS
(certutil). None of them shares code with WeasyPrint or pyHanko, so what they
report is what a reader or a verifier elsewhere would see."""

import re
import subprocess
import unicodedata
from pathlib import Path

from cryptography.hazmat.primitives import serialization


def run(*args: str | Path, check: bool = True) -> str:
    return subprocess.run(  # noqa: S603 - fixed tools, paths from the test
        [str(arg) for arg in args], capture_output=True, text=True, check=check
    ).stdout


def write(pdf: bytes, path: Path) -> Path:
    path.write_bytes(pdf)
    return path


# Text, pages, fonts ----------------------------------------------------------


def text(path: Path) -> str:
    """pdftotext's text layer, without the bidi embedding marks it adds around
    right-to-left runs."""
    raw = run("pdftotext", path, "-")
    return "".join(char for char in raw if unicodedata.category(char) != "Cf")


def info(path: Path) -> dict[str, str]:
    lines = run("pdfinfo", path).splitlines()
    return dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(":") for line in lines)
    )


def page_size(path: Path) -> tuple[float, float]:
    """Width and height in points, from pdfinfo's "841.89 x 595.276 pts"."""
    width, height = re.match(
        r"([\d.]+) x ([\d.]+) pts", info(path)["Page size"]
    ).groups()
    return float(width), float(height)


def embedded_fonts(path: Path) -> list[str]:
    """pdffonts' names, without the subset tag: "Noto-Sans-Arabic-Bold"."""
    rows = run("pdffonts", path).splitlines()[2:]
    return [row.split()[0].partition("+")[2] or row.split()[0] for row in rows]


def glyphs(path: Path) -> list[tuple[str, str, str]]:
    """Every glyph ``mutool trace`` draws, as (font, unicode, glyph id)."""
    found, font = [], None
    for line in run("mutool", "trace", path).splitlines():
        if match := re.search(r'<span font="([^"]*)"', line):
            font = match[1].partition("+")[2] or match[1]
        elif match := re.search(r'<g unicode="([^"]*)" glyph="(\d+)"', line):
            found.append((font, match[1], match[2]))
    return found


# Attachments -----------------------------------------------------------------


def attachment_names(path: Path) -> list[str]:
    lines = run("pdfdetach", "-list", path).splitlines()[1:]
    return [line.partition(": ")[2] for line in lines]


def attachment(path: Path, number: int, out: Path) -> bytes:
    run("pdfdetach", "-save", str(number), "-o", out, path)
    return out.read_bytes()


def show(path: Path, selector: str) -> str:
    """``mutool show``: the object at a path like trailer/Root/Perms."""
    return run("mutool", "show", path, selector)


# QR code ---------------------------------------------------------------------


def scan_qr(path: Path, tmp: Path, *, x: int = 0, width: int = 0) -> list[str]:
    """What zbar reads from a 72-dpi rendering of the page (only the strip
    from ``x``, ``width`` points wide, when given)."""
    crop = ["-x", str(x), "-W", str(width), "-H", "596"] if width else []
    run("pdftoppm", "-r", "72", "-png", "-singlefile", *crop, path, tmp / "scan")
    out = run("zbarimg", "--raw", "-q", tmp / "scan.png", check=False)
    return out.splitlines()


# Signatures ------------------------------------------------------------------


def nss_db(directory: Path, *trusted_roots) -> str:
    """A fresh NSS database trusting ``trusted_roots`` (cryptography
    certificates) for signing, as pdfsig's ``-nssdir`` argument."""
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sql:{directory}"
    run("certutil", "-N", "-d", db, "--empty-password")
    for number, root in enumerate(trusted_roots):
        pem = directory / f"root-{number}.pem"
        pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
        run(
            "certutil",
            "-A",
            "-d",
            db,
            "-n",
            f"root-{number}",
            "-t",
            "CT,C,C",
            "-i",
            pem,
        )
    return db


def pdfsig(path: Path, nssdir: str) -> list[str]:
    """pdfsig's report, one stripped line each ("- " dropped). pdfsig exits 0
    whatever it finds, so the report is all there is to go on."""
    out = run("pdfsig", "-nssdir", nssdir, path, check=False)
    return [line.strip().removeprefix("- ") for line in out.splitlines()]


def signed_ranges(report: list[str]) -> list[tuple[int, int]]:
    line = next(line for line in report if line.startswith("Signed Ranges:"))
    return [(int(a), int(b)) for a, b in re.findall(r"\[(\d+) - (\d+)\]", line)]


def flip_byte_in_page_content(path: Path) -> tuple[bytes, int]:
    """The file with one bit flipped inside the first page's content stream
    (the drawn text and rules), and the offset of that byte."""
    pdf = path.read_bytes()
    head = re.compile(rb"\n(\d+) 0 obj\s*<<[^>]*?/Length (\d+)")
    # "5 0 obj" is the first line of mutool's dump of the page's /Contents.
    contents = int(show(path, "trailer/Root/Pages/Kids/1/Contents").split()[0])
    for match in head.finditer(pdf):
        if int(match[1]) == contents:
            start = pdf.index(b"stream", match.end()) + len(b"stream\n")
            offset = start + int(match[2]) // 2
            tampered = bytearray(pdf)
            tampered[offset] ^= 0x01
            return bytes(tampered), offset
    raise AssertionError(f"content stream {contents} not found")


def append_incremental_update(path: Path, out: Path) -> None:
    """Change the title the way an editor would: MuPDF appends an incremental
    update and leaves every signed byte as it was."""
    script = out.with_suffix(".js")
    script.write_text(
        "var doc = new PDFDocument(scriptArgs[0]);\n"
        'doc.getTrailer().Info.Title = "Forged";\n'
        'doc.save(scriptArgs[1], "incremental");\n'
    )
    run("mutool", "run", script, path, out)
