import pytest
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def _collected_static(django_db_blocker: object) -> None:
    """Tests run with production settings, whose static storage serves hashed names from
    a manifest: collect once, so a template naming a missing file fails as it would live."""
    call_command("collectstatic", "--noinput", verbosity=0)
