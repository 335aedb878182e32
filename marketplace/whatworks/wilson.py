"""The Wilson score interval of a proportion (E. B. Wilson, "Probable inference, the law of
succession, and statistical inference", Journal of the American Statistical Association 22,
1927, pp. 209-212), method 3 of R. G. Newcombe, "Two-sided confidence intervals for the
single proportion: comparison of seven methods", Statistics in Medicine 17, 1998,
pp. 857-872, which recommends it over the simple (Wald) interval: it stays within 0 to 1
and behaves at 0 and n successes and for small n.

A closed formula: no light, maintained library computes it without numpy, scipy or
statsmodels, so it is written here, and tested against Newcombe's worked values.

For p = x/n and z the standard normal quantile (1.959964 for 95%):

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z √(p(1-p)/n + z²/4n²) / (1 + z²/n)

Here x may be a half (an outcome partly achieved counts 0.5).
"""

import math

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The lower and upper ends (as proportions, 0 to 1) of the Wilson score interval of
    `successes` out of `n`; None when n is 0 (there is nothing to estimate)."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0 and n successes the ends are exactly 0 and 1 (the formula gives them to within rounding).
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == n else min(1.0, centre + half)
    return lower, upper
