from django.db import migrations

# Every workflow step writes one ProposalEvent (proposals.services.log and the replies
# services). The database copies each one into the audit log in the same transaction, so no
# step can be left out of the audit whichever code path (view, job, import, command) wrote it,
# and no Python query is added to any request. The event stays the source of truth; the audit
# row points at it (details.event). No source address: events are written below the request.
COPY = """
CREATE FUNCTION proposals_event_to_audit() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_auditentry
        ("time", user_id, username, source_address, action, object_type, object_id, object_label, outcome, details)
    SELECT NEW.created_at,
           NEW.actor_id,
           COALESCE((SELECT u.username FROM accounts_user u WHERE u.id = NEW.actor_id), ''),
           NULL,
           'workflow',
           'proposals.proposal',
           NEW.proposal_id::text,
           LEFT(COALESCE((SELECT CASE WHEN p.number IS NULL THEN p.title ELSE '第' || p.number || '号 ' || p.title END
                          FROM proposals_proposal p WHERE p.id = NEW.proposal_id), ''), 200),
           'success',
           jsonb_build_object('event', NEW.id, 'kind', NEW.kind, 'from', NEW.from_status, 'to', NEW.to_status);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_event_to_audit
    AFTER INSERT ON proposals_proposalevent
    FOR EACH ROW EXECUTE FUNCTION proposals_event_to_audit();
"""

UNDO = """
DROP TRIGGER IF EXISTS proposals_event_to_audit ON proposals_proposalevent;
DROP FUNCTION IF EXISTS proposals_event_to_audit();
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0010_search_document"), ("accounts", "0007_audit_append_only")]

    operations = [migrations.RunSQL(COPY, UNDO)]
