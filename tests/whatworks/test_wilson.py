"""The Wilson score interval against the worked values Newcombe (1998) publishes for it
(Table I, method 3, "score method without continuity correction"), and at its edges."""

import pytest

from marketplace.whatworks.wilson import wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "lower", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
    ],
)
def test_the_wilson_interval_matches_newcombes_published_values(successes, n, lower, upper):
    low, high = wilson_interval(successes, n)
    assert (round(low, 4), round(high, 4)) == (lower, upper)


def test_no_successes_start_the_interval_at_0_and_all_successes_end_it_at_1():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert 0 < wilson_interval(0, 10)[1] < 1 and 0 < wilson_interval(10, 10)[0] < 1


def test_nobody_reported_has_no_interval():
    assert wilson_interval(0, 0) is None


def test_half_successes_count_and_a_half_of_n_is_symmetric_about_it():
    low, high = wilson_interval(17.5, 35)
    assert round(low + high, 10) == 1.0
    assert (round(low, 3), round(high, 3)) == (0.343, 0.657)


def test_more_successes_than_people_is_refused():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
