"""Each stored workflow version's validated spec, kept between processes: a one-shot command (`redress case
show`) does not parse and validate the same YAML at every start (about 25 ms of CPU: the YAML, and building
the spec models' validators the first time one is used).

The cache is `data_dir/cache/<sha256 of the YAML>.spec`: a pickle of the spec, in the private data folder
(0700, the file 0600), written only by Redress. A pickle runs code when it is loaded, so a file is loaded only
when its HMAC-SHA256 checks out, under a key derived from the integrity key (which the database alone does
not give) and bound to the versions of Python and pydantic and to the spec classes' own source: a file
someone else wrote, one from another installation, or one from before an upgrade is never unpickled. Without
a key (no `redress init` yet) nothing is cached; a file that fails its check, or a folder that cannot be
written, means the YAML is parsed as before. Nothing here ever makes a command fail.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pydantic

import workflows
from engine.files import private_folder
from engine.integrity_key import read_key
from engine.settings import Settings

FOLDER = "cache"
_MAC = hashlib.sha256().digest_size


def spec_of(settings: Settings, source: str, parse: Callable[[], workflows.Workflow]) -> workflows.Workflow:
    """The spec parsed from `source`: from the cache when a checked copy is there, else `parse()` (then kept)."""
    key = _key(settings)
    if key is None:
        return parse()
    path = Path(settings.data_dir) / FOLDER / f"{hashlib.sha256(source.encode()).hexdigest()}.spec"
    found = _load(path, key)
    if found is not None:
        return found
    spec = parse()
    _keep(path, key, spec)
    return spec


def _key(settings: Settings) -> bytes | None:
    try:
        secret = read_key(settings)
    except OSError:
        return None
    if secret is None:
        return None
    spec_source = Path(workflows.spec.__file__).read_bytes()
    binding = b"\0".join(
        (b"redress workflow spec cache 1", sys.version.encode(), pydantic.VERSION.encode(), hashlib.sha256(spec_source).digest())
    )
    return hmac.new(secret, binding, hashlib.sha256).digest()


def _load(path: Path, key: bytes) -> workflows.Workflow | None:
    try:
        content = path.read_bytes()
    except OSError:
        return None
    mac, blob = content[:_MAC], content[_MAC:]
    if not hmac.compare_digest(mac, hmac.new(key, path.name.encode() + blob, hashlib.sha256).digest()):
        return None
    try:
        spec = pickle.loads(blob)  # our own file, its MAC checked above under the installation's key
    except Exception:  # a file from a spec class that has since changed shape: parse instead
        return None
    return spec if isinstance(spec, workflows.Workflow) else None


def _keep(path: Path, key: bytes, spec: workflows.Workflow) -> None:
    spec.content_hash  # noqa: B018 - worked out now, so the copy kept carries it (a cached property)
    blob = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    content = hmac.new(key, path.name.encode() + blob, hashlib.sha256).digest() + blob
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        private_folder(path.parent)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temporary, path)  # readers see the whole file or none
    except OSError:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
