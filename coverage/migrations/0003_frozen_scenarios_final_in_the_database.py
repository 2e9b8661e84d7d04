"""A scenario frozen with a published review keeps its figures and its places: final in the
database itself (core.finality)."""

from django.db import migrations

from core.finality import Trigger, install

FROZEN = 'OLD."frozen" IS NOT NULL'
SCENARIO_FROZEN = (
    'EXISTS (SELECT 1 FROM "coverage_scenario" WHERE "coverage_scenario"."id" = {} '
    'AND "coverage_scenario"."frozen" IS NOT NULL)'
)
MESSAGE = "a scenario published with a review is final: make a new one"

TRIGGERS = [
    Trigger("coverage_scenario_final_update", "coverage_scenario", "UPDATE", FROZEN, MESSAGE),
    Trigger("coverage_scenario_final_delete", "coverage_scenario", "DELETE", FROZEN, MESSAGE),
    Trigger("coverage_scenario_removes_final_insert", "coverage_scenario_removes", "INSERT",
            SCENARIO_FROZEN.format('NEW."scenario_id"'), MESSAGE),
    Trigger("coverage_scenario_removes_final_update", "coverage_scenario_removes", "UPDATE",
            SCENARIO_FROZEN.format('OLD."scenario_id"') + " OR "
            + SCENARIO_FROZEN.format('NEW."scenario_id"'), MESSAGE),
    Trigger("coverage_scenario_removes_final_delete", "coverage_scenario_removes", "DELETE",
            SCENARIO_FROZEN.format('OLD."scenario_id"'), MESSAGE),
]


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0002_scenario_roles"),
    ]

    operations = [install(TRIGGERS)]
