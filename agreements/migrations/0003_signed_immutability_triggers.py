"""Hand-written (keep it when migrations are regenerated): on PostgreSQL, triggers refuse any change to a
signed agreement, its sections, structured parts, attachments, signing rounds and signatures, and any change
to a sealed document. The one allowed change: a signed agreement's status becoming "erstattet".
Other databases rely on the model and queryset guards in agreements/immutability.py.
"""

from django.db import migrations

LOCKED = "('signert', 'erstattet')"
PART_TABLES = [
    "agreements_agreementsection", "agreements_presencecommitment", "agreements_expectation",
    "agreements_focusarea", "agreements_attachment", "agreements_signinground", "agreements_signature",
]  # fmt: skip

CREATE = f"""
CREATE OR REPLACE FUNCTION agreements_refuse_signed_agreement_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN {LOCKED} THEN
        IF TG_OP = 'UPDATE' AND OLD.status = 'signert' AND NEW.status = 'erstattet'
           AND (to_jsonb(NEW) - 'status' - 'updated_at') = (to_jsonb(OLD) - 'status' - 'updated_at') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'Samarbeidsavtale % er signert og kan ikke endres', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION agreements_refuse_signed_part_change() RETURNS trigger AS $$
DECLARE
    ids bigint[] := ARRAY[]::bigint[];
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN ids := ids || (to_jsonb(OLD) ->> 'agreement_id')::bigint; END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN ids := ids || (to_jsonb(NEW) ->> 'agreement_id')::bigint; END IF;
    IF EXISTS (SELECT 1 FROM agreements_agreement WHERE id = ANY(ids) AND status IN {LOCKED}) THEN
        RAISE EXCEPTION '% tilhører en signert samarbeidsavtale og kan ikke endres', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION agreements_refuse_sealed_document_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'En forseglet avtale kan ikke endres eller slettes' USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER agreements_agreement_signed_immutable BEFORE UPDATE OR DELETE ON agreements_agreement
    FOR EACH ROW EXECUTE FUNCTION agreements_refuse_signed_agreement_change();
CREATE TRIGGER agreements_sealeddocument_immutable BEFORE UPDATE OR DELETE ON agreements_sealeddocument
    FOR EACH ROW EXECUTE FUNCTION agreements_refuse_sealed_document_change();
""" + "".join(
    f"""
CREATE TRIGGER {table}_signed_immutable BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION agreements_refuse_signed_part_change();"""
    for table in PART_TABLES
)

DROP = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_signed_immutable ON {table};\n" for table in PART_TABLES)
    + """
DROP TRIGGER IF EXISTS agreements_agreement_signed_immutable ON agreements_agreement;
DROP TRIGGER IF EXISTS agreements_sealeddocument_immutable ON agreements_sealeddocument;
DROP FUNCTION IF EXISTS agreements_refuse_signed_agreement_change();
DROP FUNCTION IF EXISTS agreements_refuse_signed_part_change();
DROP FUNCTION IF EXISTS agreements_refuse_sealed_document_change();
"""
)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
