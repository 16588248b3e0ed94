import pandas as pd
import pytest

from benchmarks.dev import cnn


@pytest.fixture(scope="module")
def rows():
    return cnn._layer_rows(rounds=3, batch=2)


def test_layer_rows_cover_the_three_layers(rows):
    assert rows["layer"].tolist() == ["32x32x3 -> 32", "16x16x32 -> 64", "8x8x64 -> 128"]
    assert rows["matmul"].tolist() == ["2048x27 @ 27x32", "512x288 @ 288x64", "128x576 @ 576x128"]


def test_layer_rows_ratio_lies_within_its_quartiles(rows):
    for ratio, quartiles in zip(rows["ratio"], rows["ratio q25-q75"]):
        q25, q75 = map(float, quartiles.split("-"))
        assert q25 - 0.005 <= ratio <= q75 + 0.005
    assert (rows[["bare matmul ms", "conv2d_forward ms", "with buffers ms"]] > 0).all().all()


@pytest.mark.parametrize("ratios, expected", [
    ([1.5, 1.9], "largest median ratio 1.90 (b, allocating); goal at most 2: met"),
    ([1.5, 2.3], "largest median ratio 2.30 (b, allocating); goal at most 2: not met"),
])
def test_layer_verdict_names_the_worst_layer(ratios, expected):
    rows = pd.DataFrame({"layer": ["a", "b"], "ratio": ratios, "ratio, buffers": [1.0, 1.0]})
    assert cnn.layer_verdict(rows) == expected
