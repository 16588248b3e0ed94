"""Shared fixtures: where the real CIFAR-10 subset is, and how its absence is reported.

The subset lives at ``../shared/data/cifar10-subset`` beside the repository
(override with ``$FEATBENCH_TEST_DATA``). In CI (``$CI`` set) a missing subset
is an error, so a broken checkout cannot pass by skipping; for an end user it
is a skip that says how to get the data.
"""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUBSET = REPO_ROOT.parent / "shared" / "data" / "cifar10-subset"


def cifar10_subset_dir():
    """Path of the CIFAR-10 subset used by the tests (may not exist)."""
    return Path(os.environ.get("FEATBENCH_TEST_DATA", DEFAULT_SUBSET))


def require_cifar10_subset():
    """Return the subset's path, or fail (CI) / skip (end user) when it is missing."""
    path = cifar10_subset_dir()
    if (path / "cifar-10-batches-py").is_dir() or (path / "cifar-10-batches-bin").is_dir():
        return path
    msg = (
        f"the CIFAR-10 subset is not at {path}: set FEATBENCH_TEST_DATA to a folder "
        f"holding cifar-10-batches-py or cifar-10-batches-bin "
        f"(or run 'featbench download cifar10 --dest DIR')"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI needs real data: {msg}", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def cifar10_dir():
    """Folder holding the CIFAR-10 subset's batch folders."""
    return require_cifar10_subset()


@pytest.fixture(scope="session")
def cifar10(cifar10_dir):
    """The CIFAR-10 subset as a :class:`benchmarks.data.cifar10.Dataset` (loaded once)."""
    from benchmarks.data.cifar10 import load_cifar10

    return load_cifar10(cifar10_dir)
