"""benchmarks/harness/crossing.py: the leader at each size and where a learner overtakes."""

import pandas as pd
import pytest

from benchmarks.harness.crossing import crossing_markdown, leaders, overtakes


def _points(accuracies, sizes=(100, 200, 400)):
    return pd.DataFrame([{"pipeline": name, "train_size": size, "accuracy": acc}
                         for name, accs in accuracies.items()
                         for size, acc in zip(sizes, accs)])


@pytest.mark.parametrize("cnn,expected", [
    ([0.6, 0.7, 0.8], 100),   # ahead at every size
    ([0.3, 0.7, 0.8], 200),   # ahead from the second size on
    ([0.6, 0.4, 0.8], 400),   # ahead, behind, ahead again: from the last crossing
    ([0.6, 0.7, 0.4], None),  # behind at the largest size
    ([0.3, 0.5, 0.5], None),  # level at the largest size is not ahead
])
def test_overtakes_gives_the_size_from_which_the_learner_stays_ahead(cnn, expected):
    points = _points({"cnn": cnn, "hog": [0.5, 0.5, 0.5]})
    assert overtakes(points, "cnn", ["hog"]) == {"hog": expected}


def test_overtakes_compares_only_the_sizes_both_rows_have():
    points = pd.concat([_points({"cnn": [0.3, 0.7, 0.8]}),
                        _points({"hog": [0.5, 0.9]}, sizes=(100, 400))])
    # At 200 only the learner has a point: it is behind at 100, ahead at 400.
    assert overtakes(points, "cnn", ["hog", "bovw"]) == {"hog": None, "bovw": None}
    points.loc[(points.pipeline == "hog") & (points.train_size == 400), "accuracy"] = 0.6
    assert overtakes(points, "cnn", ["hog"]) == {"hog": 400}


def test_leaders_ranks_each_size_and_tests_the_two_on_the_same_images():
    y = [0, 1, 2, 0, 1, 2, 0, 1]
    points = pd.DataFrame({
        "pipeline": ["a", "b", "c", "a", "b"], "train_size": [10, 10, 10, 20, 20],
        "accuracy": [0.625, 0.875, 0.75, 0.75, 0.75], "ci_low": [0.0] * 5,
        "ci_high": [1.0] * 5,
        "predictions": [[0, 1, 2, 0, 0, 0, 0, 0], [0, 1, 2, 0, 1, 2, 0, 0],
                        [0, 0, 0, 0, 1, 2, 0, 1], [0, 1, 2, 0, 1, 2, 1, 0],
                        [0, 1, 2, 0, 1, 2, 1, 1]]})
    table = leaders(points, y)
    assert table["leader"].tolist() == ["b", "a"]  # at 20 a tie goes to the one listed first
    assert table["runner_up"].tolist() == ["c", "b"]
    assert table["margin"].tolist() == pytest.approx([0.125, 0.0])
    # At 10 only b gets images 1 and 2 right, only c image 7: 2 against 1, p = 1.
    assert table[["leader_only", "runner_up_only"]].values.tolist() == [[2, 1], [0, 1]]
    assert table["p_value"].tolist() == pytest.approx([1.0, 1.0])


def test_crossing_markdown_names_the_leader_and_each_crossing():
    y = [0, 1, 1, 0]
    points = pd.DataFrame({"pipeline": ["cnn", "hog", "cnn", "hog"],
                           "train_size": [10, 10, 20, 20], "accuracy": [0.25, 0.5, 0.75, 0.5],
                           "ci_low": [0.0] * 4, "ci_high": [1.0] * 4,
                           "predictions": [[0, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 1],
                                           [0, 0, 0, 0]]})
    md = crossing_markdown(points, y, "cnn", ["hog"])
    assert "| 10 | hog | 0.500 (0.000-1.000) | cnn (0.250) | +0.250 |" in md
    assert "| 20 | cnn | 0.750 (0.000-1.000) | hog (0.500) | +0.250 | 2 / 1 |" in md
    assert md.rstrip().endswith("- cnn is ahead of hog from 20 training images on.")
    assert crossing_markdown(points[points.train_size == 10].head(1), y, "cnn", ["hog"]) == ""
