"""What counts as a server error when the tests send hostile input: the rule the parameter
fuzz (tests/test_no_server_errors.py) and the schemathesis check (tests/test_api_schema.py)
share."""

from config.middleware import MESSAGE


def is_server_error(status: int, body: bytes) -> bool:
    """A 5xx, except a 503 that means "not available yet, try later" (coverage before the
    ward boundaries are loaded, or while its figures are being prepared). A 503 because
    the database could not answer is an error here: the database is up throughout."""
    retry_later = status == 503 and MESSAGE.encode() not in body
    return status >= 500 and not retry_later
