import numpy as np
import pytest

from benchmarks.dev._timing import interleaved_times, ratio_quartiles


class FakeClock:
    """A clock that each timed function advances by a known amount."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def costs(self, seconds):
        def run():
            self.now += seconds
        return run


def test_interleaved_times_measure_each_call():
    clock = FakeClock()
    funcs = {"a": clock.costs(1.0), "b": clock.costs(3.0)}
    times = interleaved_times(funcs, 4, clock=clock)
    np.testing.assert_array_equal(times["a"], [1.0] * 4)
    np.testing.assert_array_equal(times["b"], [3.0] * 4)


@pytest.mark.parametrize("rounds, expected", [
    (1, ["a", "b", "c"]),
    (3, ["a", "b", "c", "b", "c", "a", "c", "a", "b"]),
])
def test_interleaved_times_rotate_the_order(rounds, expected):
    calls = []
    funcs = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    interleaved_times(funcs, rounds)
    assert calls == expected


@pytest.mark.parametrize("funcs, rounds", [({}, 3), ({"a": lambda: None}, 0)])
def test_interleaved_times_reject_nothing_to_do(funcs, rounds):
    with pytest.raises(ValueError, match="at least one function and rounds >= 1"):
        interleaved_times(funcs, rounds)


def test_ratio_quartiles_pair_rounds():
    # Round by round the ratio is 2 although the best times differ by 5x.
    times = [2.0, 10.0, 20.0, 4.0]
    baseline = [1.0, 5.0, 10.0, 2.0]
    assert ratio_quartiles(times, baseline) == (2.0, 2.0, 2.0)


@pytest.mark.parametrize("argv, message", [
    (["cnn", "--layer-rounds", "0"], "--layer-rounds must be an integer >= 1; got 0"),
    (["cnn", "--threads", "two"], "--threads must be a whole number; got 'two'"),
    (["bovw", "--repeat", "-1"], "--repeat must be an integer >= 1; got -1"),
    (["features", "--n-images", "2.5"], "--n-images must be a whole number; got '2.5'"),
])
def test_count_options_refuse_bad_counts_while_parsing(argv, message, capsys):
    from benchmarks.dev.speed import build_parser

    with pytest.raises(SystemExit):
        build_parser("speed").parse_args(argv)
    assert message in capsys.readouterr().err


def test_count_option_returns_the_count():
    from benchmarks.dev.speed import build_parser

    args = build_parser("speed").parse_args(["cnn", "--layer-rounds", "7"])
    assert args.layer_rounds == 7 and args.rounds == 3
