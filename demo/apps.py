from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: real public facts about Westminster and London's police counters, and
    SYNTHETIC visits, searches, answers and reviews, each labelled. The top of the house:
    it writes through every app's services, and nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
