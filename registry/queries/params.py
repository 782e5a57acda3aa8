"""Parsing list-page URL parameters: values that mean nothing are dropped, never an error."""

#: The largest id a database integer column holds (PostgreSQL `integer`); larger is no id.
MAX_ID = 2**31 - 1


def url_int(value, default=None, low: int = 1, high: int = MAX_ID):
    """`value` as a whole number within [low, high], else `default`."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default
