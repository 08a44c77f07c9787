from django.db import migrations

import proposals.search

# jianyi_bigrams called jianyi_norm by its bare name, and pg_restore computes the generated
# search columns with an empty search_path, so restoring any backup failed ("function
# jianyi_norm(text) does not exist"). Recreating the functions pins jianyi_bigrams' search_path
# (proposals.search.SQL_FUNCTIONS); the body is unchanged, so stored values stay valid.


class Migration(migrations.Migration):
    dependencies = [("proposals", "0011_events_to_audit_log")]

    operations = [migrations.RunSQL(proposals.search.SQL_FUNCTIONS, migrations.RunSQL.noop)]
