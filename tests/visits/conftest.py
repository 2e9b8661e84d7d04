from datetime import time

import pytest

from contactpoints.models import ContactPoint
from tests.factories import ContactPointFactory, OpeningRuleFactory


@pytest.fixture
def beethoven() -> ContactPoint:
    """A contact point open Wednesdays 19:00–20:00 and Saturdays 14:00–15:00."""
    cp = ContactPointFactory(name="Beethoven Centre")
    OpeningRuleFactory(contact_point=cp, weekday=2, opens=time(19), closes=time(20))
    OpeningRuleFactory(contact_point=cp, weekday=5, opens=time(14), closes=time(15))
    return cp
