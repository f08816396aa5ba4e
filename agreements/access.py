"""Who may do what with agreements and templates — only through samarbeid.permissions.

Every view calls one of the access functions first (`agreement_for`, `section_for`, `template_for`);
lists are scoped by `agreements_visible_to` / `templates_visible_to`.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import (
    Agreement,
    AgreementSection,
    AgreementTemplate,
    Attachment,
    AttachmentExemption,
    ImportReview,
    Owner,
)
from agreements.verification import agreement_edition, parse_verification_code
from samarbeid.invitations import kommuner_invitable, kommuner_nearest, parties_nearest, police_parties_in_reach
from samarbeid.models import Kommune, Party, PoliceUnit, Politidistrikt, Role, RoleAssignment
from samarbeid.permissions import Policy, get_for_user, grant, has_perm, parties_acted_for, visible_to

VIEW = "agreements.view_agreement"
CHANGE = "agreements.change_agreement"
EDIT_KOMMUNE = "agreements.edit_kommune_sections"
EDIT_POLICE = "agreements.edit_police_sections"
VIEW_TEMPLATE = "agreements.view_agreementtemplate"
EDIT_TEMPLATE = "agreements.edit_template"

KOMMUNE_EDITORS = [Role.ORDFORER, Role.VARAORDFORER, Role.RADMANN, Role.KOMMUNALSJEF, Role.SLT_KOORDINATOR]
POLICE_EDITORS = [
    Role.POLITIKONTAKT,
    Role.POLITISTASJONSSJEF,
    Role.POLITIMESTER,
    Role.LENSMANN,
    Role.TJENESTEENHETSLEDER,
    Role.NARPOLITISJEF,
]

# On the agreement, for the roles of each party to it (grant() only applies a party's own kind of roles):
# editors write their party's sections and the agreement's details; everyone else in the parties reads.
AGREEMENT_POLICY: Policy = {
    **{role: [VIEW, CHANGE, EDIT_KOMMUNE] for role in KOMMUNE_EDITORS},
    **{role: [VIEW, CHANGE, EDIT_POLICE] for role in POLICE_EDITORS},
    Role.DISTRIKT_ADMIN: [VIEW],
    Role.ANNEN: [VIEW],
}
# On the agreement, for the politidistrikt above the police unit that is party to it.
DISTRICT_POLICY: Policy = {Role.POLITIMESTER: [VIEW, CHANGE, EDIT_POLICE], Role.DISTRIKT_ADMIN: [VIEW]}
# On a district's template.
TEMPLATE_POLICY: Policy = {Role.DISTRIKT_ADMIN: [VIEW_TEMPLATE, EDIT_TEMPLATE]}


def grant_agreement(agreement: Agreement) -> None:
    """Give the parties (and the district above a police unit) their rights on the agreement."""
    # Base Party rows: role groups are keyed on (and party rights granted to) the Party itself.
    kommune_ids = agreement.kommuner.values_list("pk", flat=True)
    grant(agreement, Party.objects.filter(pk__in=[agreement.police_party_id, *kommune_ids]), AGREEMENT_POLICY)
    police = agreement.police_party.specific()
    if isinstance(police, PoliceUnit):
        grant(agreement, Party.objects.filter(pk=police.district_id), DISTRICT_POLICY)


def grant_joined_kommune(agreement: Agreement, kommune: Kommune) -> None:
    """Give a kommune that joined a draft (by accepting its invitation) the rights of a party."""
    grant(agreement, Party.objects.filter(pk=kommune.pk), AGREEMENT_POLICY)


def agreements_visible_to(user) -> QuerySet:
    return visible_to(user, VIEW, Agreement.objects.all())


def agreement_for(
    user, pk: int, *, edit: bool = False, require: str | None = None, related: tuple[str, ...] = ()
) -> Agreement:
    """404 for who may not see it; 403 unless the user holds `require` (e.g. SIGN) — and, with edit=True,
    unless the user edits it and it is still a draft. `related`: more one-to-one relations the page reads
    (e.g. "replaces"), fetched in the same query."""
    agreement = get_for_user(
        user,
        Agreement.objects.select_related("police_party", "template", *related),
        view=VIEW,
        change=CHANGE if edit else require,
        pk=pk,
    )
    if edit and not agreement.is_editable:
        raise PermissionDenied(
            _("Avtalen er ikke lenger et utkast og kan ikke endres. En signert avtale endres ved å lage en revisjon.")
        )
    return agreement


def agreement_by_verification_code(code: str) -> Agreement:
    """The signed agreement a sealed PDF's verification address names (agreements/verification.py): anyone
    holding the PDF may read who signed which version when. 404 unless the code names a signed agreement, its
    version and the hash of the content that was signed."""
    parsed = parse_verification_code(code)
    if parsed is None:
        raise Http404
    pk, edition, digest = parsed
    agreement = (
        Agreement.objects.select_related("police_party")
        .filter(
            pk=pk,
            status__in=[Agreement.Status.SIGNED, Agreement.Status.REPLACED],
            signing_rounds__completed_at__isnull=False,
            signing_rounds__content_hash__startswith=digest,
        )
        .first()
    )
    if agreement is None or agreement_edition(agreement) != edition:
        raise Http404
    return agreement


def editable_owners(user, agreement: Agreement) -> set[str]:
    """The section owners whose sections this user may write in this agreement (none once not a draft)."""
    if not agreement.is_editable:
        return set()
    owners: set[str] = set()
    if has_perm(user, EDIT_KOMMUNE, agreement):
        owners |= {Owner.KOMMUNE, Owner.FELLES}
    if has_perm(user, EDIT_POLICE, agreement):
        owners |= {Owner.POLICE, Owner.FELLES}
    return owners


def agreement_for_writer(user, pk: int, *, owner: str | None = None) -> tuple[Agreement, set[str]]:
    """A visible draft and the section owners the user writes for in it; 403 unless they write some part
    of it (or, with `owner`, that owner's part)."""
    agreement = agreement_for(user, pk)
    owners = editable_owners(user, agreement)
    if not owners or (owner is not None and owner not in owners):
        raise PermissionDenied(_("Du skriver ikke denne delen av avtalen. Du kan lese den."))
    return agreement, owners


def section_for(user, agreement_pk: int, pk: int, *, edit: bool = False, remove: bool = False) -> AgreementSection:
    """A section of a visible agreement; with edit=True, 403 unless the user writes for its owner; with remove=True,
    403 unless it is a local section too (the template's sections stay)."""
    agreement = agreement_for(user, agreement_pk)
    section = get_object_or_404(AgreementSection, agreement=agreement, pk=pk)
    section.agreement = agreement
    if edit and section.owner not in editable_owners(user, agreement):
        raise PermissionDenied(section_refusal(section))
    if remove and not section.is_local:
        raise PermissionDenied
    return section


def section_refusal(section: AgreementSection) -> str:
    """Why this user may not write the section: who writes it, and what they can do instead."""
    if not section.agreement.is_editable:
        return _("Avtalen er ikke lenger et utkast, så avsnittet kan ikke endres.")
    writers = {
        Owner.KOMMUNE: _("Dette avsnittet skrives av kommunen. Du kan lese det."),
        Owner.POLICE: _("Dette avsnittet skrives av politiet. Du kan lese det."),
        Owner.FELLES: _("Dette avsnittet skrives av partene sammen, og rollene dine gir ikke lov til å skrive i det."),
    }
    return writers[Owner(section.owner)]


# --- Reviewing the other party's sections (agreements/reviewing.py has the rule of what to review) ---------------


def _kommune_editor_ids(user) -> set[int]:
    """The kommuner in which the user holds a role that writes the kommune's sections today (from the roles kept
    for the request, samarbeid.mytasks.my_roles)."""
    from samarbeid.mytasks import my_roles

    return {role.party_id for role in my_roles(user, timezone.localdate()) if role.role in KOMMUNE_EDITORS}


def review_parties(user, agreement: Agreement) -> list[Party]:
    """The parties of a draft for which the user reviews sections: those they may edit the agreement for — each
    kommune of it where they hold a writing role (SLT-koordinator, ordfører, rådmann …) and the right to write the
    kommune's sections, and the police when they write the police's (politikontakt, lensmann, politimester …).
    None once the agreement is not a draft. Reads ``agreement.kommuner.all()`` (prefetch it for many)."""
    if not agreement.is_editable:
        return []
    parties: list[Party] = []
    if has_perm(user, EDIT_POLICE, agreement):
        parties.append(agreement.police_party)
    if has_perm(user, EDIT_KOMMUNE, agreement):
        mine = _kommune_editor_ids(user)
        parties += [kommune for kommune in agreement.kommuner.all() if kommune.pk in mine]
    return parties


def agreements_in_review_by(user) -> QuerySet[Agreement]:
    """Drafts the user writes some part of: theirs to review the other parties' sections in."""
    drafts = Agreement.objects.filter(status=Agreement.Status.DRAFT)
    return drafts.filter(
        Q(pk__in=visible_to(user, EDIT_KOMMUNE, drafts).values("pk"))
        | Q(pk__in=visible_to(user, EDIT_POLICE, drafts).values("pk"))
    )


def section_for_reviewer(user, agreement_pk: int, pk: int, *, party_pk: int | None) -> tuple[AgreementSection, Party]:
    """A section of a visible draft and the party the user reviews it for (`party_pk`, or their only one):
    404 for who may not see the agreement, 403 unless the user may edit the agreement for that party."""
    section = section_for(user, agreement_pk, pk)
    parties = {party.pk: party for party in review_parties(user, section.agreement)}
    if party_pk is None and len(parties) == 1:
        party_pk = next(iter(parties))
    if party_pk not in parties:
        raise PermissionDenied
    return section, parties[party_pk]


SIGN = "agreements.sign_agreement"
# Who may sign, granted on the agreement when it is sent for signature (agreements/signing.py; the deputy only
# if allowed).
SIGNATORY_POLICY: Policy = {Role.ORDFORER: [SIGN], **{role: [SIGN] for role in Role.police_leader_roles()}}

# On the national default template, for every district's template administrators (read, and copy it).
NATIONAL_TEMPLATE_POLICY: Policy = {Role.DISTRIKT_ADMIN: [VIEW_TEMPLATE]}


def may_copy_national_template(user, national: AgreementTemplate) -> bool:
    """District template administrators read the national template and start their district's from it."""
    return has_perm(user, VIEW_TEMPLATE, national)


def templates_visible_to(user) -> QuerySet:
    return visible_to(user, VIEW_TEMPLATE, AgreementTemplate.objects.select_related("district"))


def template_for(user, pk: int, *, edit: bool = False) -> AgreementTemplate:
    """A template the user administers: its district's admins edit it; the national one only staff edit."""
    return get_for_user(
        user,
        AgreementTemplate.objects.select_related("district"),
        view=VIEW_TEMPLATE,
        change=EDIT_TEMPLATE if edit else None,
        pk=pk,
    )


# --- Choices in agreement forms: the parties and agreements a user may pick -------------------------------------


def police_parties_choosable(user) -> QuerySet[Party]:
    """The politidistrikter, and their police units, where the user acts for some party."""
    return police_parties_in_reach(user)


def kommuner_choosable(user) -> QuerySet[Kommune]:
    """Kommuner of those politidistrikter: the ones the user acts for join at once, the others are invited."""
    return kommuner_invitable(user)


def kommuner_first(user) -> QuerySet[Kommune]:
    """Of the choosable kommuner, those the picker shows first: the user's own, their police unit's or district's."""
    return kommuner_nearest(user)


def police_parties_first(user) -> QuerySet[Party]:
    """Of the choosable police parties, those the picker shows first: the ones the user acts for."""
    return parties_nearest(user)


def districts_for_new_template(user) -> QuerySet[Politidistrikt]:
    """The politidistrikter the user administers that have no template of their own yet."""
    return Politidistrikt.objects.filter(pk__in=parties_acted_for(user).values("pk"), agreement_templates__isnull=True)


def agreements_replaceable(user, *, police_party: Party | None = None, kommuner=None) -> QuerySet[Agreement]:
    """Signed agreements the user sees that a new agreement with these parties may replace: the same police
    party and every kommune of the old one among `kommuner`. Unknown parties (None): those within the choices."""
    police_parties = (
        police_parties_choosable(user) if police_party is None else Party.objects.filter(pk=police_party.pk)
    )
    kommuner = kommuner_choosable(user) if kommuner is None else Kommune.objects.filter(pk__in=[k.pk for k in kommuner])
    return (
        agreements_visible_to(user)
        .filter(status=Agreement.Status.SIGNED, police_party__in=police_parties)
        .exclude(kommuner__in=Kommune.objects.exclude(pk__in=kommuner.values("pk")))
        .select_related("police_party")
        .prefetch_related("kommuner")
    )


# --- My tasks: what the user is to do with agreements (agreements/mytasks.py) -------------------------------------


def agreements_to_sign(user) -> QuerySet[Agreement]:
    """Agreements sent for signature on which the user holds the right to sign (granted when sent)."""
    return visible_to(user, SIGN, Agreement.objects.filter(status=Agreement.Status.SENT))


def sections_to_write(user) -> QuerySet[AgreementSection]:
    """Sections of drafts the user writes for whose local text is still empty where the template asks for it."""
    drafts = Agreement.objects.filter(status=Agreement.Status.DRAFT)
    kommune_side = Q(agreement__in=visible_to(user, EDIT_KOMMUNE, drafts), owner__in=[Owner.KOMMUNE, Owner.FELLES])
    police_side = Q(agreement__in=visible_to(user, EDIT_POLICE, drafts), owner__in=[Owner.POLICE, Owner.FELLES])
    return AgreementSection.objects.filter(kommune_side | police_side, local_text="").exclude(guidance="")


def agreements_in_care_of(user) -> QuerySet[Agreement]:
    """Signed agreements the user edits for one of the parties: theirs to renew when they expire or are revised."""
    return visible_to(user, CHANGE, Agreement.objects.filter(status=Agreement.Status.SIGNED))


# --- Import: pending imports and what their review offers (agreements/importing/service.py) ----------------------


def import_owner_parties_choosable(user) -> QuerySet[Party]:
    """The parties an upload may be made for: those the user acts for."""
    return parties_acted_for(user).order_by("kind", "name")


def bulk_import_districts(user) -> QuerySet[Party]:
    """The politidistrikter whose district administrator the user is: they import many agreements at once."""
    if not user.is_authenticated or not user.person_id:
        return Party.objects.none()
    admin_of = RoleAssignment.objects.active().filter(person_id=user.person_id, role=Role.DISTRIKT_ADMIN)
    return parties_acted_for(user, Party.Kind.POLITIDISTRIKT).filter(pk__in=admin_of.values("party_id"))


def import_reviews_visible_to(user) -> QuerySet:
    """Pending imports are their uploader's own, and only while the uploader acts for the party they were made for."""
    if not user.is_authenticated:
        return ImportReview.objects.none()
    return ImportReview.objects.filter(uploaded_by=user, owner_party__in=parties_acted_for(user))


def import_review_for(user, pk: int):
    """A pending import of this user (404 for anyone else, whoever they are)."""
    return get_object_or_404(import_reviews_visible_to(user).select_related("owner_party"), pk=pk)


def districts_for_new_police_unit(user) -> QuerySet[Politidistrikt]:
    """Where an import may add a police unit the register lacks: the politidistrikter in the user's reach."""
    return Politidistrikt.objects.filter(pk__in=police_parties_choosable(user).values("pk"))


# --- Public access (offentleglova): a signed agreement is a public document; exempt attachments are not -----------


def agreements_public(queryset: QuerySet | None = None) -> QuerySet[Agreement]:
    """Signed agreements (also those since replaced): what anyone may read, on the public pages, feeds and search."""
    queryset = Agreement.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=[Agreement.Status.SIGNED, Agreement.Status.REPLACED])


def public_agreement_for(pk: int) -> Agreement:
    """A signed agreement for anyone; 404 for every other (a draft's existence is not public)."""
    return get_object_or_404(agreements_public().select_related("police_party", "replaces"), pk=pk)


def public_sealed_document(agreement: Agreement):
    """The sealed PDF of a signed agreement, the one file of it anyone may download (None until it is sealed)."""
    if not agreement.is_signed:
        return None
    return getattr(agreement, "sealed_document", None)


def attachment_exemptions(agreement_ids) -> dict[int, dict[int, AttachmentExemption]]:
    """The exemptions in force on each agreement's attachments: {agreement id: {attachment id: record}} (one query)."""
    from samarbeid.exemptions import latest

    state: dict[int, dict] = {pk: {} for pk in agreement_ids}
    records = AttachmentExemption.objects.filter(agreement_id__in=list(state), attachment__isnull=False)
    for record in latest(records, key=lambda r: r.attachment_id).values():
        state[record.agreement_id][record.attachment_id] = record
    return state


def public_attachments(agreement: Agreement) -> list[tuple[Attachment, str]]:
    """Each attachment with the legal basis it is exempt on ("" when it is not): the public sees its title and,
    when exempt, why it is withheld; a file of a signed agreement is published only as part of the sealed PDF."""
    from samarbeid.exemptions import basis_label

    exempt = attachment_exemptions([agreement.pk])[agreement.pk]
    return [(attachment, basis_label(exempt.get(attachment.pk))) for attachment in agreement.attachments.all()]


# --- Archive packages (agreements/archive.py) ---------------------------------------------------------------------

ARCHIVE_DISTRICT_ROLES = [Role.POLITIMESTER, Role.DISTRIKT_ADMIN]  # held in the politidistrikt itself


def may_archive_district(user, pk: int) -> bool:
    """Whether the user may take the politidistrikt's agreements out as one archive package: its politimester and
    malansvarlig (district admin) today."""
    from samarbeid.models import PartyRoleGroup

    if not user.is_authenticated:
        return False
    return PartyRoleGroup.objects.filter(group__user=user, party_id=pk, role__in=ARCHIVE_DISTRICT_ROLES).exists()


def district_archive_for(user, pk: int) -> Politidistrikt:
    """The politidistrikt for its archive package (may_archive_district); 404 for everyone else."""
    district = Politidistrikt.objects.filter(pk=pk).first()
    if district is None or not may_archive_district(user, pk):
        raise Http404
    return district


def district_agreements_archivable(user, district: Politidistrikt) -> QuerySet[Agreement]:
    """The district's sealed agreements (its own and its police units'), as far as the user may read them."""
    from samarbeid.models import PoliceUnit

    units = PoliceUnit.objects.filter(district=district).values("pk")
    return (
        agreements_visible_to(user)
        .filter(Q(police_party_id=district.pk) | Q(police_party_id__in=units), sealed_document__isnull=False)
        .select_related("police_party", "sealed_document", "replaces")
        .prefetch_related("kommuner", "attachments")
        .order_by("pk")
    )


# --- Negotiation: comments and change proposals (agreements/negotiation.py) ---------------------------------------
# Everyone who reads the agreement reads its negotiation: AGREEMENT_POLICY and DISTRICT_POLICY grant VIEW only to
# the roles of its parties (and of the district above a police unit), so no one outside them sees a comment or a
# proposal. Editors of any party comment; the other side of a section's owner proposes; the owner decides.

# The structured parts' owners (as their edit pages, agreements.views.PARTS).
PART_OWNERS = {
    "tilstedevarelse": Owner.POLICE,
    "forventninger-kommunen": Owner.KOMMUNE,
    "forventninger-politiet": Owner.POLICE,
    "fokusomrader": Owner.KOMMUNE,
}
OTHER_SIDE = {Owner.KOMMUNE: Owner.POLICE, Owner.POLICE: Owner.KOMMUNE}


def agreement_abilities(user, agreement: Agreement) -> dict:
    """What the user may do with the agreement on its pages: read it, write which sections, change its details
    (drafts) and its publicity (signed)."""
    owners = editable_owners(user, agreement)
    may_change = has_perm(user, CHANGE, agreement)
    return {
        "read": has_perm(user, VIEW, agreement),
        "edit": bool(owners),
        "owners": owners,
        "edit_kommune": Owner.KOMMUNE in owners,
        "edit_police": Owner.POLICE in owners,
        "change": agreement.is_editable and may_change,
        "publicity": agreement.is_signed and may_change,
    }


def template_abilities(user, template: AgreementTemplate) -> dict:
    """What the user may do with a template: edit it (its district's template administrators)."""
    return {"edit": has_perm(user, EDIT_TEMPLATE, template)}


def negotiation_abilities(user, agreement: Agreement) -> dict:
    """What the user may do in the negotiation of this agreement (drafts only; reading is agreement_for's)."""
    owners = editable_owners(user, agreement)
    return {
        "comment": bool(owners),
        "owners": owners,
        # A section owned by one side takes proposals from the other side's editors who do not also write it.
        "propose_on": {side for side, other in OTHER_SIDE.items() if other in owners and side not in owners},
    }


def may_resolve(user, thread, owners: set[str]) -> bool:
    """The section's (or part's) owner resolves a thread, and so does its author; felles: either side."""
    if thread.is_resolved or not thread.agreement.is_editable:
        return False
    owner = thread.section.owner if thread.section_id else PART_OWNERS.get(thread.part)
    return thread.created_by_id == user.pk or owner in owners


def acting_party(user, agreement: Agreement) -> Party:
    """The party of the agreement the user speaks for in the negotiation (kommuner first, then the police party,
    then the district above it); 403 if the user holds no role in any of them."""
    from samarbeid.mytasks import my_party_ids

    mine = my_party_ids(user, timezone.localdate())
    police = agreement.police_party.specific()
    candidates = [*agreement.kommuner.all(), agreement.police_party]
    if isinstance(police, PoliceUnit):
        candidates.append(police.district)
    for party in candidates:
        if party.pk in mine:
            return party
    raise PermissionDenied


def thread_for(user, agreement_pk: int, pk: int):
    """A comment thread of an agreement the user reads (404 otherwise)."""
    from agreements.models import CommentThread

    agreement = agreement_for(user, agreement_pk)
    thread = get_object_or_404(CommentThread.objects.select_related("section"), agreement=agreement, pk=pk)
    thread.agreement = agreement
    return thread


def proposal_for(user, agreement_pk: int, pk: int, *, decide: bool = False):
    """A change proposal of an agreement the user reads; with decide=True, 403 unless the user writes the section
    (its owner) and the agreement is a draft."""
    from agreements.models import ChangeProposal

    agreement = agreement_for(user, agreement_pk)
    proposal = get_object_or_404(
        ChangeProposal.objects.select_related("section", "party", "proposed_by__person", "decided_by__person"),
        agreement=agreement,
        pk=pk,
    )
    proposal.agreement = proposal.section.agreement = agreement
    if decide and proposal.section.owner not in editable_owners(user, agreement):  # none once not a draft
        raise PermissionDenied
    return proposal


def proposals_to_answer(user) -> QuerySet:
    """Open change proposals on drafts' sections the user writes for (their party is to answer them)."""
    from agreements.models import ChangeProposal

    drafts = Agreement.objects.filter(status=Agreement.Status.DRAFT)
    kommune_side = Q(agreement__in=visible_to(user, EDIT_KOMMUNE, drafts), section__owner=Owner.KOMMUNE)
    police_side = Q(agreement__in=visible_to(user, EDIT_POLICE, drafts), section__owner=Owner.POLICE)
    return ChangeProposal.objects.filter(kommune_side | police_side, status=ChangeProposal.Status.OPEN)


def council_decision_kommuner(user, agreement: Agreement) -> list[Kommune]:
    """The agreement's kommuner whose kommunestyre decision the user records: the kommune's own editors."""
    if not has_perm(user, EDIT_KOMMUNE, agreement):
        return []
    from samarbeid.mytasks import my_party_ids

    mine = my_party_ids(user, timezone.localdate())
    return [k for k in agreement.kommuner.all() if k.pk in mine]
