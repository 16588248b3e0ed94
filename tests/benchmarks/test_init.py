import importlib

import pytest

import benchmarks


@pytest.mark.parametrize("name", [n for n in benchmarks.__all__ if n != "__version__"])
def test_every_public_name_resolves_to_its_module_object(name):
    module = importlib.import_module(benchmarks._EXPORTS[name])
    assert getattr(benchmarks, name) is getattr(module, name)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        benchmarks.nope  # noqa: B018
