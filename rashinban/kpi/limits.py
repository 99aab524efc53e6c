"""The documented limits of one request (README, "Limits").  Beyond them a request is refused
with a clear message (HTTP 422, exit 2) instead of running for minutes or storing nonsense.

===================  =========================================================================
``YEAR_MIN``…        periods and dates lie in the years 1900–2199
``MAX_RANGE_YEARS``  a period range (``A..B``) spans at most 10 years
``MAX_PERIODS``      one status, funnel or saved plan covers at most 120 periods (10 years of
                     months, 2 years of weeks, 4 months of days): work and memory grow with
                     each period (``status`` over 444 months took 69 s and 1.1 GB)
``MAX_ABS``          a number in a plan, a target or a form is below 10^15 in size (1,000兆):
                     beyond it the store's amounts (DECIMAL(18, 2)) cannot hold it
``MAX_TARGET_ROWS``  one save writes at most 100,000 target values (node × scope × period)
===================  =========================================================================
"""

from __future__ import annotations

from fractions import Fraction

YEAR_MIN = 1900
YEAR_MAX = 2199
MAX_RANGE_YEARS = 10
MAX_PERIODS = 120
MAX_ABS = Fraction(10**15)
MAX_ABS_TEXT = "10^15 (1,000兆)"
MAX_TARGET_ROWS = 100_000
