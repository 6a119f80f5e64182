import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import panah.core.crypto.fields


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0006_audit_entry_indexes"),
        ("core", "__first__"),
        ("people", "0003_consent_and_legal_basis"),
    ]

    operations = [
        migrations.CreateModel(
            name="Host",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("single_man", "A man living alone"),
                            ("single_woman", "A woman living alone"),
                            ("couple", "A couple"),
                            ("family", "A family"),
                            ("collective", "A collective shelter (staffed)"),
                        ],
                        max_length=16,
                        verbose_name="who hosts",
                    ),
                ),
                (
                    "name",
                    panah.core.crypto.fields.EncryptedTextField(
                        default="", editable=True, null=True, verbose_name="name"
                    ),
                ),
                (
                    "phone",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="phone"
                    ),
                ),
                (
                    "address",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="address"
                    ),
                ),
                (
                    "languages",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True,
                        default=list,
                        editable=True,
                        null=True,
                        verbose_name="languages spoken",
                    ),
                ),
                (
                    "area",
                    models.CharField(
                        choices=[
                            ("brussels", "Brussels"),
                            ("antwerp", "Antwerp"),
                            ("east_flanders", "East Flanders"),
                            ("west_flanders", "West Flanders"),
                            ("flemish_brabant", "Flemish Brabant"),
                            ("walloon_brabant", "Walloon Brabant"),
                            ("liege", "Liège"),
                            ("hainaut", "Hainaut"),
                            ("namur", "Namur"),
                            ("limburg", "Limburg"),
                            ("luxembourg", "Luxembourg"),
                        ],
                        max_length=24,
                        verbose_name="area",
                    ),
                ),
                (
                    "home_visit_on",
                    models.DateField(blank=True, null=True, verbose_name="home visit on"),
                ),
                (
                    "references_checked",
                    models.BooleanField(default=False, verbose_name="references checked"),
                ),
                (
                    "charter_signed_on",
                    models.DateField(blank=True, null=True, verbose_name="charter signed on"),
                ),
                (
                    "vetting_renewal_on",
                    models.DateField(blank=True, null=True, verbose_name="vetting to renew by"),
                ),
                (
                    "cleared_for_safety_alerts",
                    models.BooleanField(
                        default=False, verbose_name="cleared to receive guests under a safety alert"
                    ),
                ),
                (
                    "shares_guest_details",
                    models.BooleanField(
                        default=False, verbose_name="reports guests' details to third parties"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "external_reference",
                    models.CharField(blank=True, max_length=64, verbose_name="external reference"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "home_visit_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="home visit by",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="people.person",
                        verbose_name="contact person",
                    ),
                ),
            ],
            options={
                "verbose_name": "host",
                "verbose_name_plural": "hosts",
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "kind__in",
                                ["single_man", "single_woman", "couple", "family", "collective"],
                            )
                        ),
                        name="shelter_host_kind_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "area__in",
                                [
                                    "brussels",
                                    "antwerp",
                                    "east_flanders",
                                    "west_flanders",
                                    "flemish_brabant",
                                    "walloon_brabant",
                                    "liege",
                                    "hainaut",
                                    "namur",
                                    "limburg",
                                    "luxembourg",
                                ],
                            )
                        ),
                        name="shelter_host_area_known",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("external_reference", ""), _negated=True),
                        fields=("organisation", "external_reference"),
                        name="shelter_host_external_reference_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="MatchRun",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("run_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("needs", models.PositiveIntegerField(default=0)),
                ("offers", models.PositiveIntegerField(default=0)),
                ("people_housed", models.PositiveIntegerField(default=0)),
                ("score", models.FloatField(default=0)),
                ("bound", models.FloatField(default=0)),
                ("proven_optimal", models.BooleanField(default=False)),
                ("seconds", models.FloatField(default=0)),
                ("unhoused", models.JSONField(default=dict)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "run_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-run_at"],
            },
        ),
        migrations.CreateModel(
            name="Need",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("without_roof_since", models.DateField(verbose_name="without a roof since")),
                (
                    "adult_women",
                    models.PositiveSmallIntegerField(default=0, verbose_name="adult women"),
                ),
                (
                    "adult_men",
                    models.PositiveSmallIntegerField(default=0, verbose_name="adult men"),
                ),
                (
                    "children",
                    models.PositiveSmallIntegerField(default=0, verbose_name="children (under 18)"),
                ),
                (
                    "unaccompanied_minor",
                    models.BooleanField(default=False, verbose_name="minor without a guardian"),
                ),
                (
                    "needs_accessible",
                    models.BooleanField(default=False, verbose_name="needs an accessible place"),
                ),
                (
                    "safety_alert",
                    models.BooleanField(default=False, verbose_name="under a safety alert"),
                ),
                (
                    "area",
                    models.CharField(
                        choices=[
                            ("brussels", "Brussels"),
                            ("antwerp", "Antwerp"),
                            ("east_flanders", "East Flanders"),
                            ("west_flanders", "West Flanders"),
                            ("flemish_brabant", "Flemish Brabant"),
                            ("walloon_brabant", "Walloon Brabant"),
                            ("liege", "Liège"),
                            ("hainaut", "Hainaut"),
                            ("namur", "Namur"),
                            ("limburg", "Limburg"),
                            ("luxembourg", "Luxembourg"),
                        ],
                        max_length=24,
                        verbose_name="area",
                    ),
                ),
                (
                    "area_required",
                    models.BooleanField(default=False, verbose_name="must stay in this area"),
                ),
                (
                    "fedasil_status",
                    models.CharField(
                        choices=[
                            ("not_registered", "Not on the waiting list"),
                            ("waiting", "On the Fedasil waiting list"),
                            ("invited", "Invited to a reception place"),
                            ("refused", "Refused reception"),
                        ],
                        default="not_registered",
                        max_length=24,
                        verbose_name="Fedasil waiting list",
                    ),
                ),
                (
                    "fedasil_since",
                    models.DateField(blank=True, null=True, verbose_name="on the list since"),
                ),
                (
                    "sleeping_now",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="where they sleep now",
                    ),
                ),
                (
                    "vulnerabilities",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True,
                        default=list,
                        editable=True,
                        null=True,
                        verbose_name="vulnerabilities",
                    ),
                ),
                (
                    "languages",
                    panah.core.crypto.fields.EncryptedJSONField(
                        blank=True, default=list, editable=True, null=True, verbose_name="languages"
                    ),
                ),
                (
                    "area_constraints",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True,
                        default="",
                        editable=True,
                        null=True,
                        verbose_name="area constraints (near the lawyer, a school, a hospital)",
                    ),
                ),
                (
                    "notes",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="notes"
                    ),
                ),
                (
                    "vulnerability_count",
                    models.PositiveSmallIntegerField(default=0, editable=False),
                ),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("closed_on", models.DateField(blank=True, null=True, verbose_name="closed on")),
                ("closed_reason", models.CharField(blank=True, max_length=32)),
                (
                    "external_reference",
                    models.CharField(blank=True, max_length=64, verbose_name="external reference"),
                ),
                (
                    "household",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.household",
                    ),
                ),
                (
                    "opened_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="shelter_needs",
                        to="people.person",
                    ),
                ),
            ],
            options={
                "verbose_name": "need",
                "verbose_name_plural": "needs",
                "ordering": ["without_roof_since"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "closed_on"], name="shelter_nee_organis_843466_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("closed_on__isnull", True)),
                        fields=("person",),
                        name="shelter_one_open_need_per_person",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("adult_women__gt", 0),
                            ("adult_men__gt", 0),
                            ("children__gt", 0),
                            _connector="OR",
                        ),
                        name="shelter_need_has_someone",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "area__in",
                                [
                                    "brussels",
                                    "antwerp",
                                    "east_flanders",
                                    "west_flanders",
                                    "flemish_brabant",
                                    "walloon_brabant",
                                    "liege",
                                    "hainaut",
                                    "namur",
                                    "limburg",
                                    "luxembourg",
                                ],
                            )
                        ),
                        name="shelter_need_area_known",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("external_reference", ""), _negated=True),
                        fields=("organisation", "external_reference"),
                        name="shelter_need_external_reference_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Offer",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("beds", models.PositiveSmallIntegerField(verbose_name="beds")),
                (
                    "max_households",
                    models.PositiveSmallIntegerField(
                        default=1, verbose_name="households at a time"
                    ),
                ),
                (
                    "max_men",
                    models.PositiveSmallIntegerField(
                        default=99, verbose_name="at most this many adult men"
                    ),
                ),
                ("available_from", models.DateField(verbose_name="available from")),
                (
                    "available_until",
                    models.DateField(blank=True, null=True, verbose_name="available until"),
                ),
                (
                    "stay_days",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="length of stay (days)"
                    ),
                ),
                (
                    "accepts_women_children",
                    models.BooleanField(default=True, verbose_name="women and children"),
                ),
                ("accepts_families", models.BooleanField(default=True, verbose_name="families")),
                (
                    "accepts_single_men",
                    models.BooleanField(default=True, verbose_name="single men"),
                ),
                (
                    "accepts_single_women",
                    models.BooleanField(default=True, verbose_name="single women"),
                ),
                (
                    "accepts_unaccompanied_minors",
                    models.BooleanField(
                        default=False, verbose_name="unaccompanied minors (a minors' house)"
                    ),
                ),
                (
                    "accessible",
                    models.BooleanField(default=False, verbose_name="accessible (no stairs)"),
                ),
                ("pets", models.BooleanField(default=False, verbose_name="pets in the home")),
                ("smoking", models.BooleanField(default=False, verbose_name="smoking allowed")),
                ("withdrawn_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "host",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="offers",
                        to="shelter.host",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
            ],
            options={
                "verbose_name": "offer",
                "verbose_name_plural": "offers",
                "ordering": ["available_from"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("beds__gt", 0)), name="shelter_offer_has_beds"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("max_households__gt", 0)),
                        name="shelter_offer_households_positive",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("available_until__isnull", True),
                            ("available_until__gte", models.F("available_from")),
                            _connector="OR",
                        ),
                        name="shelter_offer_window_ordered",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Placement",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Proposed"),
                            ("confirmed", "Confirmed by the coordinator"),
                            ("accepted", "Accepted by the guest"),
                            ("refused", "Refused by the guest"),
                            ("discarded", "Not confirmed"),
                            ("ended", "Ended"),
                            ("broken_down", "Broken down"),
                        ],
                        default="proposed",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("beds", models.PositiveSmallIntegerField()),
                ("starts_on", models.DateField(verbose_name="starts on")),
                (
                    "planned_end_on",
                    models.DateField(blank=True, null=True, verbose_name="planned end"),
                ),
                ("ended_on", models.DateField(blank=True, null=True, verbose_name="ended on")),
                ("end_reason", models.CharField(blank=True, max_length=32, verbose_name="reason")),
                (
                    "next_place",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not known yet"),
                            ("street", "The street"),
                            ("night_shelter", "Emergency night shelter"),
                            ("host", "Another host"),
                            ("collective", "A collective shelter"),
                            ("fedasil", "Fedasil reception"),
                            ("own_home", "Their own home"),
                        ],
                        max_length=16,
                        verbose_name="where they go next",
                    ),
                ),
                ("explanation", models.JSONField(default=dict)),
                ("proposed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("guest_decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "need",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="placements",
                        to="shelter.need",
                    ),
                ),
                (
                    "offer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="placements",
                        to="shelter.offer",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "referent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="referent",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="proposals",
                        to="shelter.matchrun",
                    ),
                ),
            ],
            options={
                "verbose_name": "placement",
                "verbose_name_plural": "placements",
                "ordering": ["-proposed_at"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "status", "planned_end_on"],
                        name="shelter_pla_organis_f6d4ba_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status__in", ["proposed", "confirmed", "accepted"])),
                        fields=("need",),
                        name="shelter_one_holding_placement_per_need",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "status__in",
                                [
                                    "proposed",
                                    "confirmed",
                                    "accepted",
                                    "refused",
                                    "discarded",
                                    "ended",
                                    "broken_down",
                                ],
                            )
                        ),
                        name="shelter_placement_status_known",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("planned_end_on__isnull", True),
                            ("planned_end_on__gte", models.F("starts_on")),
                            _connector="OR",
                        ),
                        name="shelter_placement_end_after_start",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Episode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("street", "The street"),
                            ("night_shelter", "Emergency night shelter"),
                            ("host", "A host"),
                            ("collective", "A collective shelter"),
                            ("fedasil", "Fedasil reception"),
                        ],
                        max_length=16,
                        verbose_name="where",
                    ),
                ),
                ("started_on", models.DateField(verbose_name="from")),
                ("ended_on", models.DateField(blank=True, null=True, verbose_name="until")),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "placement",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="shelter.placement",
                    ),
                ),
            ],
            options={
                "ordering": ["started_on"],
                "indexes": [
                    models.Index(
                        fields=["organisation", "kind", "started_on"],
                        name="shelter_epi_organis_668319_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("ended_on__isnull", True)),
                        fields=("person",),
                        name="shelter_one_open_episode_per_person",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("ended_on__isnull", True),
                            ("ended_on__gte", models.F("started_on")),
                            _connector="OR",
                        ),
                        name="shelter_episode_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "kind__in",
                                ["street", "night_shelter", "host", "collective", "fedasil"],
                            )
                        ),
                        name="shelter_episode_kind_known",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CheckIn",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("check_in", "Check-in"), ("incident", "Incident")],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                ("occurred_on", models.DateField(verbose_name="date")),
                ("guest_safe", models.BooleanField(default=True, verbose_name="the guest is safe")),
                ("working", models.BooleanField(default=True, verbose_name="the placement works")),
                (
                    "note",
                    panah.core.crypto.fields.EncryptedTextField(
                        blank=True, default="", editable=True, null=True, verbose_name="note"
                    ),
                ),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "placement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="check_ins",
                        to="shelter.placement",
                    ),
                ),
            ],
            options={
                "ordering": ["occurred_on"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["check_in", "incident"])),
                        name="shelter_checkin_kind_known",
                    )
                ],
            },
        ),
    ]
