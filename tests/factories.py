from collections.abc import Iterable
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

import factory

from contactpoints.models import (
    Basis,
    ContactPoint,
    Fact,
    FactCheck,
    HoursException,
    Kind,
    OpeningRule,
    Status,
)

if TYPE_CHECKING:
    from users.models import User


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test contact point {n}")
    slug = factory.Sequence(lambda n: f"test-contact-point-{n}")
    kind = Kind.CONTACT_POINT
    borough = "Westminster"
    postcode = "W10 4JL"
    latitude = Decimal("51.530633")
    longitude = Decimal("-0.208259")
    status = Status.OPEN
    is_published = True

    @factory.post_generation
    def hours_known(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """By default the hours are known from a recent named source, as a well-kept
        listing's are; pass hours_known=False for a place whose hours are unconfirmed."""
        if create and extracted is not False:
            FactCheck.objects.create(
                contact_point=self,
                fact=Fact.HOURS,
                basis=Basis.SOURCE,
                checked_on=date(2026, 9, 1),
                source="Test listing",
            )

    @factory.post_generation
    def confirmed(self, create: bool, extracted: Iterable[str] | None, **kwargs: object) -> None:
        """Facilities and services whose recorded yes or no a named source states (pass
        confirmed=["has_private_room", …]); every other one is not known."""
        for fact in extracted or ():
            FactCheck.objects.create(
                contact_point=self,
                fact=fact,
                basis=Basis.SOURCE,
                checked_on=date(2026, 9, 1),
                source="Test listing",
            )


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
