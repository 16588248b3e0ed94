"""benchmarks/data/digits.py: scikit-learn's digits as a Dataset."""

import numpy as np
import pytest

from benchmarks.data.digits import load_digits


def test_digits_dataset():
    ds = load_digits()
    assert ds.X_train.shape[1:] == (8, 8) and ds.X_train.dtype == np.uint8
    assert len(ds.y_train) + len(ds.y_test) == 1797
    assert ds.X_train.max() == 255 and ds.class_names == tuple("0123456789")
    # stratified: every class in both splits, same seed same split
    assert (ds.class_counts() > 0).all().all()
    np.testing.assert_array_equal(load_digits().y_test, ds.y_test)


def test_digits_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction must be a float in"):
        load_digits(test_fraction=1.5)
