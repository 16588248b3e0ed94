"""classifiers/_linear_doc.py: each linear classifier documents its own defaults."""

import pytest

from classifiers import LinearSVM, SoftmaxClassifier


@pytest.mark.parametrize("cls,learning_rate", [(LinearSVM, "0.001"), (SoftmaxClassifier, "0.003")])
def test_parameter_section_shows_the_class_defaults(cls, learning_rate):
    doc = cls.__doc__
    assert "%PARAMS%" not in doc
    assert f"learning_rate : float, default={learning_rate}\n" in doc
    assert "Attributes\n    ----------\n    classes_ :" in doc


def test_class_specific_parameters_come_first():
    doc = LinearSVM.__doc__
    assert doc.index("    loss : ") < doc.index("    multi_class : ") < doc.index("    alpha : ")
    assert "multi_class" not in SoftmaxClassifier.__doc__
