"""The environment `make` builds is the one requirements.lock describes.

A fresh clone must install exactly what was tested, so every distribution that
arxiv-monitor (with the extras installed here) pulls in has to be pinned in the
lock and installed at that pin. Without `-c requirements.lock` in the Makefile's
installs, a release upstream shows up here as a version mismatch.
"""

from __future__ import annotations

import os
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

LOCK = REPO / "requirements.lock"


def lock_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue  # pinned for another platform or Python
        (spec,) = req.specifier
        assert spec.operator == "==", f"the lock pins exactly: {line}"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def installed_closure(root: str, extras: set[str]) -> set[str]:
    """Names of the installed distributions `root[extras]` depends on, transitively (markers honoured)."""
    seen: set[str] = set()
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional extra this environment did not install (llama before `make setup-llama`)
        seen.add(canonicalize_name(name))
        for text in dist.requires or []:
            req = Requirement(text)
            env_extras = wanted or {""}
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in env_extras):
                continue
            key = canonicalize_name(req.name)
            if key not in seen:
                todo.append((req.name, set(req.extras)))
    return seen - {canonicalize_name(root)}


def test_the_lock_parses_and_pins_every_direct_dependency():
    pins = lock_pins()
    assert len(pins) > 50  # the whole tree, not just the top level
    for text in metadata.distribution("arxiv-monitor").requires or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": "test"}) or req.marker.evaluate({"extra": "llama"}):
            assert canonicalize_name(req.name) in pins, f"{req.name} is a dependency but not in requirements.lock (run `make lock-add`)"
            assert req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True), (
                f"requirements.lock pins {req.name}=={pins[canonicalize_name(req.name)]}, outside pyproject's {req.specifier}"
            )


@pytest.mark.skipif(bool(os.environ.get("ARXIV_MONITOR_OLDEST")), reason="make test-oldest installs the low ends on purpose")
def test_every_installed_dependency_is_at_its_locked_version():
    pins = lock_pins()
    extras = {"test", "llama"}
    closure = installed_closure("arxiv-monitor", extras)
    if not closure:
        pytest.skip("arxiv-monitor is not installed as a distribution here")
    wrong = {
        name: (metadata.version(name), pins.get(name, "not in the lock"))
        for name in sorted(closure)
        if pins.get(name) != metadata.version(name)
    }
    assert not wrong, f"installed (version, locked) differ: {wrong}"
