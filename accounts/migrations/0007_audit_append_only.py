from django.db import migrations

# The audit log is evidence: the database itself refuses to change or remove an entry.
#
# The one escape is archiving (manage.py archive_audit, accounts.audit_archive). Inside its
# transaction it runs SELECT set_config('jianyi.audit_archive_before', <cutoff>, true) — a
# transaction-local setting, gone at COMMIT or ROLLBACK — and this trigger then lets through
# DELETEs (never UPDATEs) of rows whose time lies before that cutoff, after those rows have been
# written to a signed file. The command refuses a cutoff younger than AUDIT_RETENTION_DAYS.
# TRUNCATE fires no row trigger: only the tables' owner may run it (production's app role
# should not own them; see the operations notes).
FORBID = """
CREATE FUNCTION accounts_audit_append_only() RETURNS trigger AS $$
DECLARE
    cutoff timestamptz := nullif(current_setting('jianyi.audit_archive_before', true), '')::timestamptz;
BEGIN
    IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND OLD."time" < cutoff THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'accounts_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_audit_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_audit_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS accounts_audit_append_only ON accounts_auditentry;
DROP FUNCTION IF EXISTS accounts_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_audit_entry")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
