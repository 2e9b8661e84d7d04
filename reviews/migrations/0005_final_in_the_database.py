"""A published review, its findings and its frozen figures, the wording of its
recommendations and every correction and progress update are final in the database itself
(core.finality): triggers refuse the writes that would change them, whatever path they
take. A recommendation's status still moves, through dated progress updates."""

from django.db import migrations

from core.finality import Trigger, any_changed, install

REVIEW = "reviews_review"
PUBLISHED = "OLD.\"status\" = 'published'"

TRIGGERS = [
    Trigger("review_final_update", REVIEW, "UPDATE", PUBLISHED,
            "a published review is never changed: add a correction"),
    Trigger("review_final_delete", REVIEW, "DELETE", PUBLISHED,
            "a published review is never deleted"),
]
# Rows that belong to a review: nothing is added to, changed in or removed from a
# published one (through its review_id, before and after).
for table, what in (("reviews_finding", "findings"),
                    ("reviews_review_contact_points", "contact points")):
    TRIGGERS += [
        Trigger(f"{table}_final_insert", table, "INSERT", '{published:NEW."review_id"}',
                f"the {what} of a published review are final"),
        Trigger(f"{table}_final_update", table, "UPDATE",
                '{published:OLD."review_id"} OR {published:NEW."review_id"}',
                f"the {what} of a published review are final"),
        Trigger(f"{table}_final_delete", table, "DELETE", '{published:OLD."review_id"}',
                f"the {what} of a published review are final"),
    ]
TRIGGERS += [
    Trigger("reviews_recommendation_final_insert", "reviews_recommendation", "INSERT",
            '{published:NEW."review_id"}',
            "a published review's recommendations are final"),
    Trigger("reviews_recommendation_final_update", "reviews_recommendation", "UPDATE",
            '({published:OLD."review_id"} OR {published:NEW."review_id"}) AND ('
            + any_changed(["review_id", "number", "text", "owner", "due_on"]) + ")",
            "a published recommendation's wording, owner and due date are final: "
            "its status moves through progress updates"),
    Trigger("reviews_recommendation_final_delete", "reviews_recommendation", "DELETE",
            '{published:OLD."review_id"}',
            "a published review's recommendations are final"),
    # Corrections and progress updates are only ever added.
    Trigger("reviews_correction_final_update", "reviews_correction", "UPDATE", "1 = 1",
            "a correction is never rewritten: add another"),
    Trigger("reviews_correction_final_delete", "reviews_correction", "DELETE",
            '{published:OLD."review_id"}', "a published review's corrections are final"),
    Trigger("reviews_progressupdate_final_update", "reviews_progressupdate", "UPDATE", "1 = 1",
            "a progress update is never rewritten: add another"),
    Trigger("reviews_progressupdate_final_delete", "reviews_progressupdate", "DELETE",
            '{published:(SELECT "review_id" FROM "reviews_recommendation" WHERE '
            '"reviews_recommendation"."id" = OLD."recommendation_id")}',
            "a published review's progress updates are final"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_review_citations"),
    ]

    operations = [install(TRIGGERS)]
