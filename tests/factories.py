from datetime import time
from decimal import Decimal

import factory

from contactpoints.models import ContactPoint, HoursException, Kind, OpeningRule, Status


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    name = factory.Sequence(lambda n: f"Test contact point {n}")
    slug = factory.Sequence(lambda n: f"test-contact-point-{n}")
    kind = Kind.CONTACT_POINT
    borough = "Westminster"
    postcode = "W10 4JL"
    latitude = Decimal("51.530633")
    longitude = Decimal("-0.208259")
    status = Status.OPEN
    is_published = True


class OpeningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningRule

    contact_point = factory.SubFactory(ContactPointFactory)
    weekday = 2
    opens = time(19)
    closes = time(20)


class HoursExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HoursException

    contact_point = factory.SubFactory(ContactPointFactory)
    is_closed = True
    reason = "Staff training"
