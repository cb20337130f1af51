"""Certificate render + sign against its floor, measured in the same run.

Floor: a bare WeasyPrint render of the same certificate HTML (the same
stylesheet and font configuration, no QR generation, no attachment, no
tagging, no signature). Ours: ``rendering.render_certificate``, what the
render task does for every certificate (template, QR code, embedded
credential, PDF tags, PAdES signature). Runs alternate, so machine noise hits
both alike; prints the median seconds per certificate, the ratio (target
≤ 1.5), certificates per second with two worker processes, and the resident
memory growth over 300 renders after warm-up (target ≤ 10 MiB).

    .venv/bin/python benchmarks/certificate_render.py [--rounds 20] [--leak 300]

Needs no database: keys go to a temporary directory.
"""

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("PAMOJA_KEY_DIR", tempfile.mkdtemp(prefix="pamoja-bench-keys-"))

import django  # noqa: E402

django.setup()

from certificates import jws, rendering  # noqa: E402

CREDENTIAL = json.dumps({"example": "x" * 2500}).encode()  # a signed credential's size


def printed(i: int) -> rendering.PrintedCertificate:
    code = f"PMJ-7K3Q-9M2X-{i % 10000:04d}-8"
    claims = {"c": code, "n": "أمينة الحسن", "t": "AI literacy", "d": "2026-11-26"}
    verify_url = f"https://learn.example.org/verify/{code}/"
    return rendering.PrintedCertificate(
        name="أمينة الحسن",
        course_title="محو الأمية في الذكاء الاصطناعي للجميع",
        issued_on=dt.date(2026, 11, 26),
        issuer_name="Pamoja",
        code=code,
        verify_url=verify_url,
        qr_url=f"{verify_url}#{jws.sign_claims(claims)}",
        language="ar",
    )


def bare_render(html: str) -> bytes:
    from weasyprint import CSS, HTML

    fetcher = rendering.url_fetcher()
    font_config = rendering._font_config()
    stylesheet = CSS(
        filename=rendering.STYLESHEET, url_fetcher=fetcher, font_config=font_config
    )
    document = HTML(string=html, base_url=str(rendering.PRINT_DIR), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)


def ours(i: int) -> bytes:
    return rendering.render_certificate(printed(i), credential_json=CREDENTIAL)


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _worker(count: int) -> None:
    for i in range(count):
        ours(i)


def throughput(processes: int, per_process: int) -> float:
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_worker, args=(per_process,)) for _ in range(processes)
    ]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return processes * per_process / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--leak", type=int, default=300)
    args = parser.parse_args()

    rendering.warm_up()
    html = rendering.certificate_html(printed(0))
    for i in range(3):  # first renders load fonts and caches
        bare_render(html)
        ours(i)

    floor, mine = [], []
    for i in range(args.rounds):
        floor.append(timed(lambda: bare_render(html)))
        mine.append(timed(lambda i=i: ours(i)))
    floor_s, ours_s = statistics.median(floor), statistics.median(mine)
    print(f"render floor (bare WeasyPrint): {floor_s * 1000:.0f} ms/certificate")
    print(f"render+sign (ours):             {ours_s * 1000:.0f} ms/certificate")
    print(f"render+sign ratio: {ours_s / floor_s:.2f}x the floor (target <= 1.5)")

    per_second = throughput(2, max(4, args.rounds // 2))
    print(f"certificates/s with 2 worker processes: {per_second:.1f}")

    before = rss_mib()
    for i in range(args.leak):
        ours(i)
    growth = rss_mib() - before
    print(
        f"RSS growth over {args.leak} renders: {growth:.1f} MiB "
        f"(from {before:.0f} MiB; target <= 10)"
    )


if __name__ == "__main__":
    main()
