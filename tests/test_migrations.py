"""Every migration of Panah's apps, run over realistic data loaded before it (SecureDrop's way).

One walk up and down the migrations. Before each migration M, data is loaded with the models
*of that state* (organisations, members, a hash-chained audit trail, people whose personal fields
are encrypted with the state's field classes under their own data keys, a case note, an evidence
source); M is applied, and everything loaded so far is checked: it is all there and every
encrypted value still decrypts to what was written. So the data loaded before M goes through M
and every later migration, beside data loaded in every other state, as an installation's data
does over its upgrades. At the top the check goes through today's models (their descriptors
decrypt); then the walk goes back down, and once M is undone the data loaded before it is
checked again.

The walk replaced a test per migration that went down and up the whole chain each time: the
same checks and more (each migration also meets the data of every earlier state), in a sixth of
the time (on SQLite 62 s against 370 s: rendering the states is most of a step's cost).

New migrations are picked up on their own. A migration that adds a required field to a model
the loaders fill gets a value from `build()`; a migration that renames an encrypted column or
table must decrypt and re-encrypt (panah.core.crypto.fields), and this test is what fails if it
does not.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from panah.core import audit
from panah.core.crypto.fields import (
    EncryptedField,
    Sealed,
    decrypt_bytes,
    encrypt_bytes,
    field_context,
)
from panah.core.crypto.keys import WrappedDataKey, clear_key_caches, new_data_key, open_data_key
from panah.core.recovery_codes import candidate_digests, code_digest

pytestmark = pytest.mark.django_db(transaction=True)

PANAH_APPS = ("core", "people", "cases", "shelter", "safety", "evidence", "advocacy", "public")


def panah_migrations() -> list[tuple[str, str]]:
    """Panah's migrations in the order they apply."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    plan = []
    for leaf in graph.leaf_nodes():
        for node in graph.forwards_plan(leaf):
            if node[0] in PANAH_APPS and node not in plan:
                plan.append(node)
    return plan


def state_before(
    executor: MigrationExecutor, node: tuple[str, str]
) -> list[tuple[str, str | None]]:
    """The migrate targets that leave `node` and everything after it unapplied."""
    parents = [p for p in executor.loader.graph.node_map[node].parents if p.key[0] == node[0]]
    return [p.key for p in parents] or [(node[0], None)]


def state_apps():
    """The models of the state the database is in (its applied migrations)."""
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def migrate(targets, *, models: bool = True):
    """Migrate the test database to `targets`; the models of the state it is then in (None
    with `models=False`: rendering every model of a state is a good part of a step's cost, and
    putting the database back at the end of a test needs none)."""
    MigrationExecutor(connection).migrate(targets)  # its loader reads the graph as it is now
    clear_key_caches()
    if not models:
        return None
    # The state of exactly the migrations now applied (what the database holds).
    return state_apps()


# --- data, written with the models of the state -------------------------------------------------


def has(apps, label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def build(model, **given):
    """A row of a historical model: the given values, and a plain value for any other required one."""
    values = dict(given)
    for f in model._meta.concrete_fields:
        if f.name in values or f.attname in values or f.primary_key:
            continue
        if isinstance(f, EncryptedField):
            values[f.name] = None  # written afterwards by seal(), or left empty
            continue
        if (
            f.has_default()
            or f.null
            or getattr(f, "auto_now", False)
            or getattr(f, "auto_now_add", False)
        ):
            continue
        if f.is_relation:
            raise AssertionError(f"{model.__name__}.{f.name} is new and required: teach the loader")
        if f.choices:
            values[f.name] = f.choices[0][0]
        elif f.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField"):
            values[f.name] = "" if f.blank else "x"
        elif f.get_internal_type() == "DateField":
            values[f.name] = dt.date(2024, 1, 1)
        elif f.get_internal_type() == "DateTimeField":
            values[f.name] = timezone.now()
        elif f.get_internal_type() == "BooleanField":
            values[f.name] = False
        elif "Integer" in f.get_internal_type():
            values[f.name] = 1
    return model._base_manager.create(**values)


@dataclass
class Loaded:
    organisations: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    # (app_label.model, pk, field name, value): every encrypted value written
    sealed: list[tuple[str, object, str, object]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # The recovery codes a member wrote down, by user id; and whether a state has hashed them
    # (after which no state may hold them in clear again, whichever way the migrations go).
    recovery_codes: dict[int, list[str]] = field(default_factory=dict)
    codes_hashed: bool = False


def seal(model, row, name: str, value, key, loaded: Loaded) -> None:
    """Encrypt `value` into the row's column exactly as the field does (its to_bytes, its context)."""
    f = model._meta.get_field(name)
    blob = encrypt_bytes(
        key, f.to_bytes(value), field_context(model._meta.db_table, f.column, row.pk)
    )
    model._base_manager.filter(pk=row.pk).update(**{name: Sealed(blob)})
    loaded.sealed.append((model._meta.label_lower, row.pk, name, value))


def append_audit(apps, organisation_id: int, action: str, object_type: str, object_id) -> str:
    """An audit entry appended with the state's models, hashed as panah.core.audit does."""
    entry_model, head_model = apps.get_model("core.AuditEntry"), apps.get_model("core.AuditHead")
    chain = audit.chain_name(organisation_id)
    head, _ = head_model._base_manager.get_or_create(
        chain=chain, defaults={"sequence": 0, "last_hash": audit.GENESIS}
    )
    at = timezone.now().replace(microsecond=0)
    digest = audit.entry_digest(
        previous_hash=head.last_hash, chain=chain, sequence=head.sequence + 1,
        at=audit._at_text(at), actor_id=None, action=action, object_type=object_type,
        object_id=str(object_id), ip=None, user_agent="", data={"fields": ["name"]},
    )  # fmt: skip
    entry_model._base_manager.create(
        organisation_id=organisation_id, chain=chain, sequence=head.sequence + 1, at=at,
        action=action, object_type=object_type, object_id=str(object_id), ip=None,
        user_agent="", data={"fields": ["name"]}, previous_hash=head.last_hash,
        entry_hash=digest,
    )  # fmt: skip
    head.sequence += 1
    head.last_hash = digest
    head.save()
    return chain


def load_organisation_key(apps, organisation_id: int) -> None:
    """The organisation's first key, saved and audited with the state's models.

    Left to `new_data_key`, today's code would create it and audit it with today's models,
    which may name columns (of the audit head, say) the state does not have yet.
    """
    if not has(apps, "core.OrganisationKey"):
        return
    from panah.core.crypto.keys import create_organisation_key

    model = apps.get_model("core.OrganisationKey")
    key = create_organisation_key(organisation_id)
    row = model._base_manager.create(
        **{f.attname: getattr(key, f.attname) for f in model._meta.concrete_fields}
    )
    append_audit(apps, organisation_id, "keys.organisation_key_created", "core.organisationkey",
                 row.pk)  # fmt: skip


def load(apps, tag: str = "") -> Loaded:
    """Realistic data for every Panah model the state has; `tag` tells apart the organisation
    and members of one load from another's in the same database."""
    loaded = Loaded()
    if not has(apps, "core.Organisation"):
        return loaded
    Organisation = apps.get_model("core.Organisation")
    User = apps.get_model("core.User")
    Membership = apps.get_model("core.Membership")
    org = build(Organisation, name=f"Anjoman Pars {tag}".strip(), slug=f"anjoman-pars{tag}")
    loaded.organisations.append(org.pk)
    for email in (f"coordinator{tag}@example.org", f"caseworker{tag}@example.org"):
        user = build(User, email=email, display_name=email.split("@")[0], password="!")
        loaded.users.append(user.pk)
        membership = build(Membership, organisation_id=org.pk, user_id=user.pk)
        if has(apps, "core.RoleGrant"):
            build(apps.get_model("core.RoleGrant"), membership_id=membership.pk,
                  organisation_id=org.pk, role="caseworker")  # fmt: skip
    loaded.chains.append(
        append_audit(apps, org.pk, "organisation.created", "core.organisation", org.pk)
    )
    load_organisation_key(apps, org.pk)
    load_recovery_codes(apps, loaded.users[0], loaded)

    if has(apps, "people.Person"):
        Person = apps.get_model("people.Person")
        people = [
            {"given_name_latin": "Narges", "family_name_latin": "Hosseini",
             "given_name_fa": "نرگس", "family_name_fa": "حسینی",
             "date_of_birth": dt.date(1988, 3, 21), "languages": ["fa", "fr"],
             "phone": "+32 470 12 34 56", "address": "Rue de la Loi 16, 1000 Bruxelles"},
            {"given_name_latin": "Reza", "family_name_latin": "Karimi",
             "date_of_birth": dt.date(1975, 9, 2), "languages": ["fa", "ku"]},
        ]  # fmt: skip
        for details in people:
            pk = uuid.uuid4()
            stored, key = new_data_key(organisation_id=org.pk, table=Person._meta.db_table, pk=pk)
            person = build(
                Person, id=pk, organisation_id=org.pk, data_key_wrapped=stored.wrapped,
                data_key_id=stored.data_key_id, data_key_org_key_id=stored.org_key_id,
            )  # fmt: skip
            for name, value in details.items():
                seal(Person, person, name, value, key, loaded)
            append_audit(apps, org.pk, "person.created", "people.person", pk)
            if has(apps, "people.PersonDocument"):
                Document = apps.get_model("people.PersonDocument")
                document = build(Document, organisation_id=org.pk, person_id=pk, kind="passport")
                seal(Document, document, "document_number", f"P{pk.hex[:7].upper()}", key, loaded)
            if has(apps, "cases.Case"):
                Case = apps.get_model("cases.Case")
                case = build(
                    Case, organisation_id=org.pk, person_id=pk,
                    registered_on=dt.date(2024, 2, 1), rule_table="be-2024",
                )  # fmt: skip
                if has(apps, "cases.CaseNote"):
                    Note = apps.get_model("cases.CaseNote")
                    note = build(Note, organisation_id=org.pk, case_id=case.pk)
                    seal(
                        Note,
                        note,
                        "text",
                        "Interview at the CGRS on Tuesday, with a Persian interpreter.",
                        key,
                        loaded,
                    )
    if has(apps, "evidence.Source"):
        build(apps.get_model("evidence.Source"), organisation_id=org.pk, name="Iran Human Rights",
              kind=apps.get_model("evidence.Source")._meta.get_field("kind").choices[0][0])  # fmt: skip
    for model in apps.get_models():
        if model._meta.app_label in PANAH_APPS:
            loaded.counts[model._meta.label_lower] = model._base_manager.count()
    return loaded


RECOVERY_CODES = ["k7wq3dxa", "p2mzt5rb", "h4nc6yve"]


def load_recovery_codes(apps, user_id: int, loaded: Loaded) -> None:
    """A member's unused recovery codes, stored as the state stores them (clear, or hashed)."""
    if has(apps, "core.RecoveryCode"):
        device = build(apps.get_model("core.RecoveryCodeDevice"), user_id=user_id, name="recovery")
        for code in RECOVERY_CODES:
            build(apps.get_model("core.RecoveryCode"), device_id=device.pk,
                  digest=code_digest(user_id, code))  # fmt: skip
    elif has(apps, "otp_static.StaticToken"):
        StaticDevice = apps.get_model("otp_static.StaticDevice")
        device = StaticDevice._base_manager.create(user_id=user_id, name="recovery", confirmed=True)
        for code in RECOVERY_CODES:
            apps.get_model("otp_static.StaticToken")._base_manager.create(device=device, token=code)
    else:
        return
    loaded.recovery_codes[user_id] = list(RECOVERY_CODES)


def check_recovery_codes(apps, loaded: Loaded) -> None:
    """Every code written down still opens (as a hash), and none is ever stored in clear again."""
    static = (
        apps.get_model("otp_static.StaticToken") if has(apps, "otp_static.StaticToken") else None
    )
    for user_id, codes in loaded.recovery_codes.items():
        in_clear = (
            set(static._base_manager.filter(token__in=codes).values_list("token", flat=True))
            if static is not None
            else set()
        )
        if has(apps, "core.RecoveryCode"):
            loaded.codes_hashed = True
            stored = set(
                apps.get_model("core.RecoveryCode")
                ._base_manager.filter(device__user_id=user_id)
                .values_list("digest", flat=True)
            )
            assert stored == {code_digest(user_id, c) for c in codes}, "recovery codes hashed"
            assert in_clear == set(), "no recovery code left in clear"
        elif loaded.codes_hashed:
            # Migrated back past the hashing: the codes are gone (only hashes existed), and
            # no hash was put where a typed code is compared.
            assert in_clear == set(), "no recovery code back in clear"
            assert not static._base_manager.exists(), "nothing in the static tokens"
        else:
            assert in_clear == set(codes), "recovery codes still there"


# --- checks -------------------------------------------------------------------------------------


def owner_key(apps, label: str, pk):
    """The data key that encrypts a row: its own (a person) or its person's."""
    Person = apps.get_model("people.Person")
    if label == "people.person":
        person = Person._base_manager.get(pk=pk)
    elif label == "cases.casenote":
        note = apps.get_model(label)._base_manager.get(pk=pk)
        case = apps.get_model("cases.Case")._base_manager.get(pk=note.case_id)
        person = Person._base_manager.get(pk=case.person_id)
    else:
        row = apps.get_model(label)._base_manager.get(pk=pk)
        person = Person._base_manager.get(pk=row.person_id)
    return open_data_key(
        organisation_id=person.organisation_id,
        table=Person._meta.db_table,
        pk=person.pk,
        stored=WrappedDataKey(
            person.data_key_id, person.data_key_org_key_id, bytes(person.data_key_wrapped)
        ),
    )


def check_counts(apps, counts: dict[str, int]) -> None:
    """Every table of the state that was counted holds as many rows as it did."""
    for label, count in counts.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # that model's table is not in this state
        assert model._base_manager.count() == count, label


def check(apps, loaded: Loaded) -> None:
    """Every encrypted value loaded decrypts to what was written (with the state's models), and
    the recovery codes are as the state keeps them."""
    clear_key_caches()
    for label, pk, name, value in loaded.sealed:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        f = model._meta.get_field(name)
        sealed = model._base_manager.filter(pk=pk).values_list(name, flat=True).get()
        plaintext = decrypt_bytes(
            owner_key(apps, label, pk), sealed.blob,
            field_context(model._meta.db_table, f.column, pk), where=f"{label}.{name}",
        )  # fmt: skip
        assert f.from_bytes(plaintext) == value, (label, name)
    check_recovery_codes(apps, loaded)


def check_with_todays_models(loaded: Loaded) -> None:
    from django.apps import apps as current
    from django_scopes import scopes_disabled

    clear_key_caches()
    with scopes_disabled():
        for label, pk, name, value in loaded.sealed:
            row = current.get_model(label)._base_manager.get(pk=pk)
            assert getattr(row, name) == value, (label, name)  # the descriptor decrypts
    for chain in loaded.chains:
        assert audit.verify_chain(chain) is None, chain
    # Today's code finds each code written down (looked up, not used up).
    RecoveryCode = current.get_model("core.RecoveryCode")
    for user_id, codes in loaded.recovery_codes.items():
        for code in codes:
            typed = code.upper()[:4] + " " + code[4:]  # as a member may type it
            found = RecoveryCode.objects.filter(
                device__user_id=user_id, digest__in=candidate_digests(user_id, typed)
            )
            assert found.count() == 1, code


# --- the test -----------------------------------------------------------------------------------


def checked_at(step: str, apps, counts: dict[str, int], loads: list[Loaded]) -> None:
    """The checks of every load in `loads`, a failure naming the step of the walk."""
    try:
        check_counts(apps, counts)
        for loaded in loads:
            check(apps, loaded)
    except Exception as failure:  # a count, a value, or a ciphertext that no longer decrypts
        raise AssertionError(f"{step}: {failure!r}") from failure


def test_data_loaded_before_each_migration_survives_it_and_every_later_one_forward_and_back():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    plan = panah_migrations()
    # No Panah data can exist before core.0001 (organisations come with it).
    walk = plan[plan.index(("core", "0001_initial")) + 1 :]
    loads: dict[tuple[str, str], Loaded] = {}
    try:
        apps = migrate(state_before(executor, walk[0]))
        for n, node in enumerate(walk):
            assert node not in MigrationRecorder(connection).applied_migrations(), node
            loads[node] = load(apps, tag=f"-{n}")
            counts = loads[node].counts  # every row of every load so far
            apps = migrate([node])
            checked_at(f"after {'.'.join(node)}", apps, counts, list(loads.values()))
        apps = migrate(leaves)  # any later migration of another app
        checked_at("at the top", apps, counts, list(loads.values()))
        for loaded in loads.values():
            check_with_todays_models(loaded)

        # Down in one migrate, checked after each step from its progress callback: going down
        # renders the states of the whole chain first, so a migrate per step would do it 31 times.
        undone: list[tuple[str, str]] = []

        def check_undone(action, migration=None, fake=False):
            node = (migration.app_label, migration.name) if migration else None
            if action != "unapply_success" or node not in loads:
                return
            undone.append(node)
            before_it = list(loads.values())[: walk.index(node) + 1]
            checked_at(f"after undoing {'.'.join(node)}", state_apps(), counts, before_it)

        MigrationExecutor(connection, progress_callback=check_undone).migrate(
            state_before(executor, walk[0])
        )
        assert sorted(undone) == sorted(walk)
    finally:
        migrate(leaves, models=False)


def test_a_recovery_code_written_down_before_the_hashing_still_logs_in_once():
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django_scopes import scopes_disabled

    from panah.core.models import (
        AuthenticatorDevice,
        Membership,
        Organisation,
        RecoveryCode,
        RecoveryCodeDevice,
        Role,
        RoleGrant,
        User,
    )

    hashing = ("core", "0004_recovery_codes_hashed")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        apps = migrate(state_before(executor, hashing))
        member = build(
            apps.get_model("core.User"),
            email="caseworker@example.org",
            display_name="caseworker",
            password=make_password("a long passphrase 1"),
        )
        StaticDevice = apps.get_model("otp_static.StaticDevice")
        StaticToken = apps.get_model("otp_static.StaticToken")
        device = StaticDevice._base_manager.create(
            user_id=member.pk, name="recovery", confirmed=True, throttling_failure_count=2
        )
        for code in RECOVERY_CODES:
            StaticToken._base_manager.create(device=device, token=code)

        migrate(leaves, models=False)

        user = User.objects.get(pk=member.pk)
        hashed = RecoveryCodeDevice.objects.get(user=user)
        assert hashed.throttling_failure_count == 2  # the throttling state came along
        stored = list(RecoveryCode.objects.values_list("digest", flat=True))
        assert len(stored) == 3 and not set(stored) & set(RECOVERY_CODES)
        assert not StaticToken._base_manager.exists()
        RecoveryCodeDevice.objects.filter(pk=hashed.pk).update(throttling_failure_count=0)
        AuthenticatorDevice.objects.create(user=user, name="phone", confirmed=True)
        with scopes_disabled():
            org = Organisation.objects.create(name="Anjoman Pars", slug="anjoman-pars")
            membership = Membership.objects.create(organisation=org, user=user)
            RoleGrant.objects.create(membership=membership, organisation=org, role=Role.CASEWORKER)

        client = Client()
        client.force_login(user, backend="panah.core.backends.ModelBackend")
        written_down = RECOVERY_CODES[1].upper()[:4] + " " + RECOVERY_CODES[1][4:]
        response = client.post("/login/second-factor/", {"code": written_down}, follow=True)
        assert response.redirect_chain == [("/", 302)]
        assert [str(m) for m in response.context["messages"]] == [
            "You used a recovery code. 2 are left; each works only once."
        ]

        again = Client()
        again.force_login(user, backend="panah.core.backends.ModelBackend")
        RecoveryCodeDevice.objects.filter(pk=hashed.pk).update(throttling_failure_timestamp=None)
        response = again.post("/login/second-factor/", {"code": RECOVERY_CODES[1]})
        assert response.status_code == 200  # refused: used up
        assert again.get("/")["Location"] == "/login/second-factor/"
    finally:
        migrate(leaves, models=False)


def test_an_authenticator_set_up_before_the_sealing_still_logs_in_and_its_seed_is_gone():
    from django.contrib.auth.hashers import make_password
    from django.test import Client
    from django_otp.oath import TOTP
    from django_scopes import scopes_disabled

    from panah.core.models import (
        AuthenticatorDevice,
        Membership,
        Organisation,
        Role,
        RoleGrant,
        User,
    )

    seed = bytes.fromhex("3132333435363738393031323334353637383930")
    sealing = ("core", "0009_authenticator_seeds_encrypted")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        apps = migrate(state_before(executor, sealing))
        member = build(
            apps.get_model("core.User"),
            email="caseworker@example.org",
            display_name="caseworker",
            password=make_password("a long passphrase 1"),
        )
        TOTPDevice = apps.get_model("otp_totp.TOTPDevice")
        TOTPDevice._base_manager.create(
            user_id=member.pk, name="phone", confirmed=True, key=seed.hex(), drift=1, last_t=7
        )

        migrate(leaves, models=False)

        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM otp_totp_totpdevice")
            assert cursor.fetchone()[0] == 0  # no seed left in clear
            cursor.execute("SELECT sealed_seed FROM core_authenticatordevice")
            (sealed,) = [bytes(row[0]) for row in cursor.fetchall()]
        assert seed not in sealed and seed.hex().encode() not in sealed
        user = User.objects.get(pk=member.pk)
        device = AuthenticatorDevice.objects.get(user=user)
        assert (device.name, device.confirmed, device.drift, device.last_t) == ("phone", True, 1, 7)
        assert device.bin_key == seed
        with scopes_disabled():
            org = Organisation.objects.create(name="Anjoman Pars", slug="anjoman-pars")
            membership = Membership.objects.create(organisation=org, user=user)
            RoleGrant.objects.create(membership=membership, organisation=org, role=Role.CASEWORKER)

        client = Client()
        client.force_login(user, backend="panah.core.backends.ModelBackend")
        # The member's phone, which has known the seed since before the upgrade (drift 1).
        code = f"{TOTP(seed, drift=1).token():06d}"
        response = client.post("/login/second-factor/", {"code": code})
        assert response.status_code == 302
        assert client.get("/").status_code == 200

        # Going back puts the same seed in clear again, for the older code.
        apps = migrate(state_before(executor, sealing))
        old = apps.get_model("otp_totp.TOTPDevice")._base_manager.get(user_id=member.pk)
        assert old.key == seed.hex()
    finally:
        migrate(leaves, models=False)


def test_the_sessions_stored_under_their_id_end_at_the_upgrade():
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.test import Client

    from panah.core.models import UserSession

    ending = ("core", "0008_end_sessions_stored_by_id")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    session_id = "k" * 32  # what the member's cookie, and the old row, hold
    try:
        apps = migrate(state_before(executor, ending))
        member = build(apps.get_model("core.User"), email="c@example.org", display_name="c")
        data = SessionStore().encode({"_auth_user_id": str(member.pk)})
        apps.get_model("sessions.Session")._base_manager.create(
            session_key=session_id,
            session_data=data,
            expire_date=timezone.now() + dt.timedelta(hours=1),
        )
        apps.get_model("core.UserSession")._base_manager.create(
            session_id=session_id, user_id=member.pk
        )

        migrate(leaves, models=False)

        assert not Session.objects.exists() and not UserSession.objects.exists()
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_id
        assert client.get("/")["Location"].startswith("/login/")
    finally:
        migrate(leaves, models=False)


def test_a_case_reference_loaded_before_its_encryption_is_sealed_found_and_restored():
    from django_scopes import scope

    from panah.cases.models import Case
    from panah.cases.queries import imported_references
    from panah.core.models import Organisation

    sealing = ("cases", "0003_external_reference_encrypted")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    before = state_before(executor, sealing)
    try:
        apps = migrate(before)
        loaded = load(apps)
        OldCase = apps.get_model("cases.Case")
        references = {}
        for n, case in enumerate(OldCase._base_manager.order_by("pk")):
            references[case.pk] = f"CGRS 24/{1000 + n}"
            OldCase._base_manager.filter(pk=case.pk).update(external_reference=references[case.pk])
        assert len(references) >= 2

        migrate(leaves, models=False)

        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM cases_case")
            raw = repr(cursor.fetchall())
        assert "CGRS" not in raw and "43475253" not in raw.lower()  # nor in hex
        check_with_todays_models(loaded)
        organisation = Organisation.objects.get(pk=loaded.organisations[0])
        with scope(organisation=organisation):
            cases = list(Case.objects.filter(organisation=organisation))
            assert {c.external_reference for c in cases} == {references[c.pk] for c in cases}
            assert all(len(c.external_reference_index) == 32 for c in cases)
            # A re-import of the same file finds the cases by the keyed hash.
            wanted = [references[c.pk] for c in cases] + ["CGRS 99/0000"]
            assert imported_references(organisation, wanted) == set(wanted[:-1])

        apps = migrate(before)
        OldCase = apps.get_model("cases.Case")
        assert {c.pk: c.external_reference for c in OldCase._base_manager.all()} == references
    finally:
        migrate(leaves, models=False)
