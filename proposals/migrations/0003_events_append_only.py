from django.db import migrations

# The proposal event log is evidence (who did what, when); statistics and rankings are
# computed from it. The database itself refuses to change or remove a row.
FORBID = """
CREATE FUNCTION proposals_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'proposals_proposalevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_event_append_only
    BEFORE UPDATE OR DELETE ON proposals_proposalevent
    FOR EACH ROW EXECUTE FUNCTION proposals_event_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS proposals_event_append_only ON proposals_proposalevent;
DROP FUNCTION IF EXISTS proposals_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0002_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
