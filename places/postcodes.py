"""UK postcodes: recognise and normalise what people type. Pure functions, no database.

A full postcode is an outward code (area + district, e.g. "SW1A", "W2") and an inward code
(sector digit + unit, e.g. "1AA"). People type them in any case, with any spacing; we
store and show the canonical form "SW1A 1AA".
"""

import re

# The shape of a UK postcode (after removing spaces and upper-casing). Outward: one or two
# letters, then a digit, then an optional digit or letter. Inward: a digit, two letters.
# GIR 0AA is the one historic exception still in use.
_OUTWARD = r"[A-Z]{1,2}[0-9][0-9A-Z]?"
_INWARD = r"[0-9][A-Z]{2}"
_FULL = re.compile(rf"^(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})$|^(?P<gir>GIR0AA)$")
_OUTWARD_ONLY = re.compile(rf"^{_OUTWARD}$")
_SPACES = re.compile(r"\s+")


class InvalidPostcode(ValueError):
    """Raised with a message suitable to show a resident."""


def compact(text: str) -> str:
    """Upper-case with all white space removed: the form used for lookups."""
    return _SPACES.sub("", text).upper()


def normalise(text: str) -> str:
    """Return the canonical full postcode ("SW1A 1AA") or raise InvalidPostcode."""
    squashed = compact(text)
    match = _FULL.match(squashed)
    if not match:
        raise InvalidPostcode(
            f"“{text.strip()}” is not a full UK postcode. "
            "Enter it like SW1A 1AA (the letters and numbers from the address)."
        )
    if match.group("gir"):
        return "GIR 0AA"
    return f"{match.group('outward')} {match.group('inward')}"


def is_full_postcode(text: str) -> bool:
    return bool(_FULL.match(compact(text)))


def is_outward_code(text: str) -> bool:
    """True for a postcode district on its own, such as "W2" or "SW1A"."""
    return bool(_OUTWARD_ONLY.match(compact(text)))


def outward_code(postcode: str) -> str:
    """The district part of a full postcode: "SW1A 1AA" -> "SW1A"."""
    return normalise(postcode).split(" ")[0]
