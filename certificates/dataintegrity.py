"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite.

W3C "Data Integrity EdDSA Cryptosuites v1.0", §3.3: the document and the proof
configuration are each canonicalised with RDFC-1.0 (pyld's URDNA2015, the same
algorithm), hashed with SHA-256, and the concatenation
``sha256(proof config) || sha256(document)`` is signed with Ed25519. The
signature goes into ``proofValue`` as multibase base58btc (``z…``).

Only what survives canonicalisation is signed, and JSON-LD silently drops
what its contexts do not define: an extra field added to a signed credential
would not break the signature. So nothing is signed or accepted until
``check_terms`` has found every key defined. Contexts come from the vendored
copies in ``contexts/``; this module never touches the network.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

from .keys import IssuerKey

CONTEXTS_DIR = Path(__file__).with_name("contexts")
PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
# Drafts of the VC 2.0 context (and its "undefined-terms" context today) map
# unknown terms into this namespace through @vocab instead of dropping them;
# they mean no more to a verifier than dropped ones.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")

DocumentLoader = Callable[[str, dict | None], dict]
JsonPath = tuple[str | int, ...]


class DocumentError(ValueError):
    """The document cannot be processed as JSON-LD with the vendored contexts."""


class UndefinedTermError(DocumentError):
    """A key (or type) the contexts do not define; ``paths`` names each one."""

    def __init__(self, paths: list[str]):
        self.paths = paths
        super().__init__(f"undefined term {', '.join(paths)}")


class ProofError(ValueError):
    """The document cannot be signed as asked."""


@dataclass
class ProofCheck:
    ok: bool
    reason: str
    verification_method: str | None = None


# Contexts ------------------------------------------------------------------


@cache
def vendored_contexts() -> dict[str, dict]:
    """URL -> parsed context, from ``contexts/index.json``."""
    index = json.loads((CONTEXTS_DIR / "index.json").read_text())
    return {
        url: json.loads((CONTEXTS_DIR / name).read_text())
        for url, name in index.items()
    }


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld document loader that serves the vendored contexts and nothing else."""
    try:
        document = vendored_contexts()[url]
    except KeyError:
        raise DocumentError(f"context {url} is not vendored") from None
    # A copy: nothing downstream may alter the cached original.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}


# Terms ---------------------------------------------------------------------


def check_terms(document: dict, *, loader: DocumentLoader = document_loader) -> None:
    """Raise UndefinedTermError naming the JSON path of every key, type or id
    that would not survive canonicalisation as written.

    pyld has no "safe mode", so: expand once and collect what was dropped,
    left relative or re-homed in the issuer-dependent namespace. Only when
    something was, find where by probing: a key is at fault when it is among
    the problems that disappear with it (its value blanked beforehand, so that
    problems inside the value do not count); a type or id when it is among the
    problems that disappear with it."""
    problems = _term_problems(document, loader)
    if not problems:
        return
    paths = [
        _format_path(path)
        for path in _candidate_paths(document)
        if _is_culprit(document, path, problems, loader)
    ]
    raise UndefinedTermError(paths or problems)


def _is_culprit(document: dict, path: JsonPath, problems: list[str], loader) -> bool:
    """Does the key, type or id at ``path`` cause one of ``problems``?"""
    key = path[-1]
    if isinstance(key, int) or key in ("id", "@id", "type", "@type"):
        before, name = problems, _value_at(document, path)
    elif key.startswith("@"):
        return False  # a keyword: always defined
    else:
        before = _problems_or_none(_with_value(document, path, True), loader)
        name = key
    after = _problems_or_none(_without(document, path), loader)
    if before is None or after is None:
        return False  # the probe broke the document: it proves nothing
    return name in Counter(before) - Counter(after)


def _problems_or_none(document: dict, loader) -> list[str] | None:
    try:
        return _term_problems(document, loader)
    except DocumentError:
        return None


def _term_problems(document: dict, loader: DocumentLoader) -> list[str]:
    dropped: list[str] = []
    try:
        expanded = jsonld.expand(
            document,
            # No base: pyld would resolve a relative IRI against
            # http://example.org/base/; left relative, it shows up here.
            {"documentLoader": loader, "base": None},
            on_property_dropped=lambda iri: dropped.append(str(iri)),
        )
    except jsonld.JsonLdError as error:
        raise DocumentError(f"not valid JSON-LD: {_jsonld_reason(error)}") from error
    undefined = dropped + list(_undefined_iris(expanded))
    # As written in the document, so that check_terms can find them again.
    return [iri.removeprefix(ISSUER_DEPENDENT) for iri in undefined]


def _undefined_iris(node) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _undefined_iris(item)
        return
    if not isinstance(node, dict) or "@value" in node:
        return
    for key, value in node.items():
        if key == "@type":
            yield from (t for t in value if _is_undefined(t))
        elif key == "@id":
            if not value.startswith("_:") and _is_undefined(value):
                yield value
        else:
            if not key.startswith("@") and _is_undefined(key):
                yield key
            yield from _undefined_iris(value)


def _is_undefined(iri: str) -> bool:
    return iri.startswith(ISSUER_DEPENDENT) or not _ABSOLUTE_IRI.match(iri)


def _candidate_paths(node, path: JsonPath = ()) -> Iterator[JsonPath]:
    """Every key outside ``@context``; for types, each type instead."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            if key not in ("type", "@type"):
                yield (*path, key)
                yield from _candidate_paths(value, (*path, key))
            elif isinstance(value, list):
                yield from ((*path, key, i) for i in range(len(value)))
            else:
                yield (*path, key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _candidate_paths(item, (*path, i))


def _without(document: dict, path: JsonPath) -> dict:
    trimmed = copy.deepcopy(document)
    parent = trimmed
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return trimmed


def _value_at(document: dict, path: JsonPath):
    value = document
    for step in path:
        value = value[step]
    return value


def _with_value(document: dict, path: JsonPath, value) -> dict:
    changed = copy.deepcopy(document)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return changed


def _format_path(path: JsonPath) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


# Proofs --------------------------------------------------------------------


def xsd_datetime(moment: dt.datetime) -> str:
    """UTC to the second with a "Z", the form VC 2.0 and its examples use."""
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is needed")
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonicalize(document: dict, *, loader: DocumentLoader = document_loader) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document."""
    try:
        return jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader,
                "base": None,  # as in check_terms
            },
        )
    except jsonld.JsonLdError as error:
        raise DocumentError(f"not valid JSON-LD: {_jsonld_reason(error)}") from error


def hash_data(
    unsecured: dict, proof_config: dict, *, loader: DocumentLoader = document_loader
) -> bytes:
    """sha256(canonical proof config) || sha256(canonical document), §3.3.4."""
    config_hash = hashlib.sha256(canonicalize(proof_config, loader=loader).encode())
    document_hash = hashlib.sha256(canonicalize(unsecured, loader=loader).encode())
    return config_hash.digest() + document_hash.digest()


def sign(
    document: dict,
    *,
    key: IssuerKey,
    created: dt.datetime | None = None,
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader = document_loader,
) -> dict:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof.

    Raises UndefinedTermError before signing anything a verifier would not
    see, and ProofError for a retired key or an already signed document."""
    if key.private_key is None:
        raise ProofError(f"key {key.kid} is retired and signs nothing")
    if "proof" in document:
        raise ProofError("the document already has a proof")
    check_terms(document, loader=loader)
    created = created or dt.datetime.now(dt.UTC)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": key.verification_method,
        "proofPurpose": proof_purpose,
    }
    config = {**proof, "@context": document["@context"]}
    signature = key.private_key.sign(hash_data(document, config, loader=loader))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode()
    return {**copy.deepcopy(document), "proof": proof}


def verify(
    document: dict,
    *,
    public_keys: Mapping[str, Ed25519PublicKey],
    proof_purpose: str = "assertionMethod",
    loader: DocumentLoader = document_loader,
) -> ProofCheck:
    """Check the document's proof against ``public_keys`` (verification
    method -> key). Never raises: a bad input is a failed check with a reason."""
    try:
        return _verify(document, public_keys, proof_purpose, loader)
    except UndefinedTermError as error:
        return ProofCheck(False, str(error), _verification_method(document))
    except (DocumentError, ValueError, TypeError, KeyError, AttributeError) as error:
        reason = f"cannot be processed: {error}"
        return ProofCheck(False, reason, _verification_method(document))


def _verify(document, public_keys, proof_purpose, loader) -> ProofCheck:
    if not isinstance(document, dict):
        return ProofCheck(False, "not a JSON object")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        reason = "more than one proof" if isinstance(proof, list) else "no proof"
        return ProofCheck(False, reason)
    vm = proof.get("verificationMethod")
    if "@context" not in document:
        return ProofCheck(False, "no @context", vm)
    if problem := _proof_problem(document, proof, proof_purpose):
        return ProofCheck(False, problem, vm)
    if vm not in public_keys:
        return ProofCheck(False, f"unknown key {vm}", vm)
    signature = _decode_proof_value(proof.get("proofValue"))
    if signature is None:
        return ProofCheck(False, "malformed proofValue", vm)
    check_terms(document, loader=loader)  # the proof's terms too
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    config = {**options, "@context": document["@context"]}
    try:
        public_keys[vm].verify(signature, hash_data(unsecured, config, loader=loader))
    except InvalidSignature:
        return ProofCheck(False, "signature does not match", vm)
    return ProofCheck(True, "signature verified", vm)


def _proof_problem(document: dict, proof: dict, proof_purpose: str) -> str | None:
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return f"unsupported proof {proof.get('type')}/{proof.get('cryptosuite')}"
    if proof.get("proofPurpose") != proof_purpose:
        return f"proof purpose is {proof.get('proofPurpose')}, not {proof_purpose}"
    if "@context" in proof and not _starts_with(
        document["@context"], proof["@context"]
    ):
        return "the proof's @context is not the document's"
    if not _is_datetime(proof.get("created", "2000-01-01T00:00:00Z")):
        return "malformed created"
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    vm = str(proof.get("verificationMethod"))
    if issuer is not None and vm.partition("#")[0] != issuer:
        return f"key {vm} does not belong to the issuer {issuer}"
    return None


def _decode_proof_value(value) -> bytes | None:
    if not isinstance(value, str) or not value.startswith("z"):
        return None
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        return None
    return signature if len(signature) == 64 else None


def _starts_with(context, prefix) -> bool:
    context = context if isinstance(context, list) else [context]
    prefix = prefix if isinstance(prefix, list) else [prefix]
    return context[: len(prefix)] == prefix


def _is_datetime(value) -> bool:
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _verification_method(document) -> str | None:
    proof = document.get("proof") if isinstance(document, dict) else None
    return proof.get("verificationMethod") if isinstance(proof, dict) else None


def _jsonld_reason(error: jsonld.JsonLdError) -> str:
    """pyld nests the real cause (an unknown context, a protected term
    redefinition…) several levels down; surface the innermost message."""
    cause = error
    while cause.__cause__ is not None:
        cause = cause.__cause__
    return str(getattr(cause, "message", None) or cause).splitlines()[0]
