"""A politiråd's minutes as an archive package (samarbeid/archive.py): for each meeting of a year with approved minutes
that the user may read, its referat PDF/A, the attachments they may read and Noark 5-style metadata (a møtemappe with
one møteregistrering per meeting). What is in it comes from `meeting_reading` only: a closed meeting's minutes only
for its members (and their reading goes to the read log, as with the referat PDF), exempt items and attachments
withheld from everyone else; what a member gets that is exempt carries its skjerming.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from councils.models import Council
from samarbeid.archive import (
    PDF_A,
    Dokument,
    Mappe,
    Moete,
    Part,
    Registrering,
    attachment_dokument,
    package_zip,
    skjerming_of,
)
from samarbeid.exemptions import meeting_exemptions
from samarbeid.meetings import MeetingDocument, meeting_document_context, meeting_read_record, meeting_readings
from samarbeid.models import Meeting, MeetingRead
from samarbeid.pdf import render_pdf


def council_minutes_meetings(council: Council, year: int):
    return (
        Meeting.objects.filter(forum=council.forum, status=Meeting.Status.MINUTES_APPROVED, starts_at__year=year)
        .select_related("forum")
        .order_by("starts_at", "pk")
    )


def _meeting_record(reading, exemptions) -> Registrering:
    meeting = reading.meeting
    title = _("Referat") + f" – {meeting}"
    pdf = render_pdf(
        "meetings/pdf/meeting.html", meeting_document_context(reading, MeetingDocument.REFERAT), title=title
    )
    meeting_read_record(reading, what=MeetingRead.What.REFERAT_PDF)  # a closed meeting's read log, as for the PDF
    documents = [
        Dokument(
            title=title,
            filename=f"referat-{meeting.pk}.pdf",
            content=pdf,
            created_at=meeting.minutes_approved_at,
            document_type="Møtereferat",
            main=True,
            format=PDF_A[0],
            format_details=f"PRONOM {PDF_A[1]}",
            mime_type=PDF_A[2],
            skjerming=skjerming_of(exemptions.minutes),
        )
    ]
    documents += [
        attachment_dokument(
            attachment,
            filename_stem=f"moete-{meeting.pk}-vedlegg-{number}",
            skjerming=skjerming_of(exemptions.attachments.get(attachment.pk)),
        )
        for number, attachment in enumerate(reading.attachment_list, start=1)
    ]
    attendees = [
        (membership.person.name, membership.get_kind_display())
        for membership, attendance in reading.attendance
        if attendance is not None and attendance.status == "present"
    ]
    return Registrering(
        system_id=f"samarbeid:moete:{meeting.pk}",
        kind="Møteregistrering",
        title=title,
        created_at=meeting.minutes_approved_at,
        documents=documents,
        meeting=Moete(
            forum=meeting.forum.name,
            number=f"{timezone.localtime(meeting.starts_at):%Y-%m-%d}",
            starts_at=meeting.starts_at,
            place=meeting.place,
            closed=meeting.is_closed,
            attendees=attendees,
        ),
    )


def council_minutes_package(council: Council, year: int, *, user) -> bytes:
    """The year's approved minutes the user may read, as one zip (ValidationError when there are none)."""
    readings = [r for r in meeting_readings(user, council_minutes_meetings(council, year)) if r.minutes]
    if not readings:
        raise ValidationError(_("Ingen godkjente referater du kan lese fra %(year)s.") % {"year": year})
    exemptions = meeting_exemptions([r.meeting.pk for r in readings])
    records = [_meeting_record(reading, exemptions[reading.meeting.pk]) for reading in readings]
    forum = council.forum
    parties = [Part(f"samarbeid:part:{k.pk}", k.name, "Kommune", kommunenummer=k.number) for k in forum.kommuner.all()]
    parties.append(Part(f"samarbeid:part:{council.police_unit_id}", council.police_unit.name, "Politiet"))
    name = user.person.name if getattr(user, "person_id", None) else user.email
    mappe = Mappe(
        system_id=f"samarbeid:politirad:{council.pk}:{year}",
        kind="Møtemappe",
        title=f"{forum.name} {year}",
        created_at=timezone.make_aware(datetime.datetime(year, 1, 1)),
        parties=parties,
        records=records,
    )
    return package_zip(
        system_id=f"samarbeid:politirad:{council.pk}:{year}:uttrekk",
        title=f"Referater fra {forum.name} {year}",
        folders=[mappe],
        by=name,
    )
