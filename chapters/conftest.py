"""nbval, number-aware: how `make test` compares a notebook's stored outputs with a fresh run.

nbval re-executes every chapter and compares each text output with the one stored in the
notebook. Exact comparison is too strict for numbers: floating-point results differ in their last
bits between CPUs (NumPy's SIMD code paths), BLAS kernels and operating systems, and a number
printed to five decimals flips its last digit when the true value sits near a rounding boundary
(0.013355 prints as 0.01336 here and 0.01335 there). So this plugin compares outputs as follows:

* text between numbers must be identical (runs of spaces count as one space, because NumPy pads
  array columns to the width of the widest number);
* integers (no decimal point, no exponent), e.g. counts, epochs, seeds, must be identical;
* a decimal number may differ from the stored one by one unit in its last printed digit (the
  rounding flip above) plus ``REL_TOL`` of its value (the drift of a trained result).

``REL_TOL`` is 0.1 %: a change of 1 % in any printed number fails (tests/test_nbval_numbers.py
proves it), and a number printed to 3-4 significant digits is compared at that precision. The
chapters print and glue numbers at the precision their computation can back on another machine;
`.ci/run` re-runs nbval under other arithmetic to check that they do.

pytest loads this file for everything below chapters/; it only patches nbval's comparison.
"""

from __future__ import annotations

import math
import re

#: Relative tolerance for decimal numbers, on top of one unit in their last printed digit.
REL_TOL = 1e-3

# A decimal number: digits with a decimal point and/or an exponent, optionally signed.
_DECIMAL = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE][-+]?\d))(?:[eE][-+]?\d+)?")
_SPACES = re.compile(r"[ \t]+")


def _split(text: str) -> tuple[list[str], list[str]]:
    """The text between decimal numbers (spaces folded) and the decimal numbers themselves."""
    numbers = _DECIMAL.findall(text)
    between = [_SPACES.sub(" ", part) for part in _DECIMAL.split(text)]
    return between, numbers


def _last_digit_unit(number: str) -> float:
    """One unit in the last printed digit: 0.01336 -> 1e-05, 2.5e-3 -> 1e-4, 12. -> 1."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_agree(reference: str, actual: str, rel_tol: float = REL_TOL) -> bool:
    """Whether two printed decimal numbers agree to their printed precision plus ``rel_tol``."""
    a, b = float(reference), float(actual)
    if not (math.isfinite(a) and math.isfinite(b)):
        return reference == actual
    allowed = max(_last_digit_unit(reference), _last_digit_unit(actual)) + rel_tol * max(abs(a), abs(b))
    return abs(a - b) <= allowed * (1 + 1e-9)


def outputs_agree(reference: str, actual: str, rel_tol: float = REL_TOL) -> bool:
    """Whether a stored text output and a fresh one agree under the rules of this module."""
    if reference == actual:
        return True
    ref_text, ref_numbers = _split(reference)
    act_text, act_numbers = _split(actual)
    return (ref_text == act_text and len(ref_numbers) == len(act_numbers)
            and all(numbers_agree(r, a, rel_tol) for r, a in zip(ref_numbers, act_numbers)))


class NumericText(str):
    """A sanitized output whose ``==`` and ``!=`` follow ``outputs_agree`` (nbval compares with ``!=``)."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return outputs_agree(str(self), str(other))
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__


def pytest_configure(config) -> None:
    """Wrap nbval's sanitize step so that every compared text output is a ``NumericText``."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to patch
        return
    if getattr(IPyNbCell.sanitize, "_numeric", False):
        return
    plain_sanitize = IPyNbCell.sanitize

    def sanitize(self, s):
        s = plain_sanitize(self, s)
        return NumericText(s) if isinstance(s, str) else s

    sanitize._numeric = True
    IPyNbCell.sanitize = sanitize
