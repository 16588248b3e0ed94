"""benchmarks/harness/fingerprint.py: what a saved row records of its pipeline's settings."""

import hashlib
import json

import pytest

import pipelines
from benchmarks.harness.fingerprint import pipeline_params, settings_changes, settings_digest


@pytest.mark.parametrize("name", ["hog/svm", "bovw/mlp", "pixels/cnn"])
def test_the_digest_is_that_of_the_sorted_settings_without_how_they_run(name):
    # The digest files saved since f46248a carry: the same text, pair by pair.
    params = pipeline_params(pipelines.make(name))
    kept = [[k, v] for k, v in sorted(params.items())
            if k.rpartition("__")[2] not in ("n_jobs", "chunk_size", "verbose")]
    expected = hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]
    assert settings_digest(pipelines.make(name)) == expected


def test_the_parameters_are_texts_a_json_file_holds_and_gives_back():
    params = pipeline_params(pipelines.make("all/mlp"))
    assert json.loads(json.dumps(params)) == params
    assert all(isinstance(v, str) for v in params.values())


@pytest.mark.parametrize("saved, now, expected", [
    ({"a": "1"}, {"a": "1"}, []),
    ({"a": "1", "x__n_jobs": "1", "x__verbose": "0"}, {"a": "1", "x__n_jobs": "4"}, []),
    ({"a": "1", "b": "2"}, {"a": "3", "c": "4"}, ["a: 1 -> 3", "b: 2 -> (none)",
                                                   "c: (none) -> 4"]),
    (None, {"a": "1"}, None),
    ([["a", "1"]], {"a": "1"}, None),
    ({"a": 1}, {"a": "1"}, None),
], ids=["same", "only-how-it-runs", "changed-removed-added", "no-record", "a-list", "a-number"])
def test_settings_changes_names_what_differs(saved, now, expected):
    assert settings_changes(saved, now) == expected


def test_a_changed_default_is_named_and_how_it_runs_is_not():
    before = pipeline_params(pipelines.make("hog/svm"))
    after = pipeline_params(pipelines.make("hog/svm", clf__alpha=0.5, features__n_jobs=2))
    assert settings_changes(before, after) == ["clf__alpha: 0.01 -> 0.5"]
