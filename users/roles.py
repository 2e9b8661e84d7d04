"""Staff roles, as Django groups with explicit permissions (created by a data migration)."""

OFFICER = "Officer"
MANAGER = "Manager"
ANALYST = "Analyst"
ADMINISTRATOR = "Administrator"

# Roles that work in the back office (the admin); officers use the counter pages only.
BACK_OFFICE = {MANAGER, ANALYST, ADMINISTRATOR}
