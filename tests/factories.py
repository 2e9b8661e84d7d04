from datetime import time
from decimal import Decimal
from typing import TYPE_CHECKING

import factory

from contactpoints.models import ContactPoint, HoursException, Kind, OpeningRule, Status

if TYPE_CHECKING:
    from users.models import User


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


def staff_user(username: str, role: str, *assigned: ContactPoint) -> "User":
    """A user in one of the staff roles (groups made by the roles migration)."""
    from django.contrib.auth.models import Group

    from users import roles
    from users.models import User
    from visits.models import Assignment

    user = User.objects.create_user(
        username=username, password="a long test password", is_staff=role in roles.BACK_OFFICE
    )
    user.groups.add(Group.objects.get(name=role))
    for contact_point in assigned:
        Assignment.objects.create(officer=user, contact_point=contact_point)
    return user
