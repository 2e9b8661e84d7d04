"""Staff roles, as Django groups with explicit permissions (created by a data migration)."""

OFFICER = "Officer"
MANAGER = "Manager"
ANALYST = "Analyst"
ADMINISTRATOR = "Administrator"
