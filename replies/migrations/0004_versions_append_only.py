from django.db import migrations

# A saved or signed version is the record of what was written and sent: the database itself
# refuses to change or remove one.
FORBID = """
CREATE FUNCTION replies_version_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'replies_replyversion is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER replies_version_append_only
    BEFORE UPDATE OR DELETE ON replies_replyversion
    FOR EACH ROW EXECUTE FUNCTION replies_version_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS replies_version_append_only ON replies_replyversion;
DROP FUNCTION IF EXISTS replies_version_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("replies", "0003_drafting_and_signing")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
