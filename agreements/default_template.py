"""The national default template: the typical sections of the seed agreements, in bokmål and nynorsk.

The standard texts ("tekst i ramme") are drawn from the seeds (Øst politidistrikt's bokmål frame text,
Vest politidistrikt's nynorsk agreement). `ensure_national_template()` is idempotent; the demo calls it and
`template_for_district` creates it on first use.
"""

from django.db import transaction

from agreements.access import NATIONAL_TEMPLATE_POLICY
from agreements.models import AgreementTemplate, Owner, SectionKind, TemplateSection
from samarbeid.models import Party, Politidistrikt
from samarbeid.permissions import grant

# (kind, owner, heading nb, heading nn, standard text nb, standard text nn, guidance nb, guidance nn)
NATIONAL_SECTIONS = [
    (
        SectionKind.TEXT,
        Owner.FELLES,
        "Innledning / formål",
        "Innleiing / formål",
        "<p>Videreutvikling av det forebyggende arbeidet er en av de viktigste kvalitative endringene som "
        "gjennomføres i nærpolitireformen. Det skal utarbeides en gjensidig forpliktende avtale mellom "
        "politidistriktet og kommunene om tjenestetilbud, politikontaktens rolle, politiråd og SLT.</p>"
        "<p>Det er nødvendig med gjensidige forpliktelser for at det forebyggende arbeidet skal fungere best "
        "mulig. Avtalen skal regulere arbeidet på både strategisk og utøvende nivå.</p>",
        "<p>Vidareutvikling av det førebyggjande arbeidet er ein av dei viktigaste kvalitative endringane som "
        "skal gjennomførast i nærpolitireforma. I samband med dette skal det lagast ein gjensidig forpliktande "
        "avtale mellom politiet og kommunen om tenestetilbod, rolla til politikontakten, politiråd og SLT.</p>"
        "<p>Det er nødvendig med gjensidige forpliktingar for at det førebyggjande arbeidet skal fungere best "
        "mogleg. Avtalen skal regulere arbeidet både på utøvande og strategisk nivå.</p>",
        "Beskriv kort bakgrunnen for samarbeidet og hvilke avtaler denne avtalen erstatter.",
        "Skildre kort bakgrunnen for samarbeidet og kva avtalar denne avtalen erstattar.",
    ),
    (
        SectionKind.TEXT,
        Owner.POLICE,
        "Organisering av politiet",
        "Organiseringa til politiet",
        "<p>Politidistriktet er organisert i geografiske driftsenheter med tjenestesteder. "
        "Politikontakten er tjenestestedets daglige kontaktledd med kommunen.</p>",
        "<p>Politidistriktet er organisert i geografiske driftseiningar med tenestestader. "
        "Politikontakten er det daglege kontaktleddet til tenestestaden med kommunen.</p>",
        "Beskriv driftsenheten, tjenestestedene og hvem som leder dem.",
        "Skildre driftseininga, tenestestadene og kven som leiar dei.",
    ),
    (
        SectionKind.SERVICE,
        Owner.POLICE,
        "Tjenestetilbud",
        "Tenestetilbod",
        "<p>Tjenestetilbudet beskriver hva innbyggerne skal kunne forvente av lokalt politi: beredskap, "
        "forebygging, responstid, åpningstider og etterforsking.</p>"
        "<p>Det er politisk bestemt på nasjonalt nivå at det er krav til responstiden: tiden fra politiet "
        "mottar en melding til første patrulje er på stedet, ved hendelser der liv er direkte truet og/eller "
        "der det straks er behov for politiets innsats.</p>",
        "<p>Tenestetilbodet skisserer kva innbyggjarane skal kunne forventa av lokalt politi: beredskap, "
        "førebygging, responstid, opningstider og etterforsking.</p>"
        "<p>Det er politisk bestemt på nasjonalt nivå at det er krav til responstida: tida frå politiet tek "
        "i mot ei melding til fyrste politipatrulje er på staden, ved hendingar der liv er direkte truga "
        "og/eller der det straks er behov for innsats frå politiet.</p>",
        "Beskriv åpningstider, publikumsekspedisjon, beredskap og etterforsking lokalt.",
        "Skildre opningstider, publikumsekspedisjon, beredskap og etterforsking lokalt.",
    ),
    (
        SectionKind.PRESENCE,
        Owner.POLICE,
        "Politikontakten",
        "Politikontakten",
        "<p>Politikontaktens hovedoppgaver:</p><ul>"
        "<li>Sørge for oppfølging av kriminalitetsforebyggende strategi og politiets nærpolitirolle</li>"
        "<li>Være pådriver for at politiråd og SLT-samarbeid fungerer i aktuelle kommuner</li>"
        "<li>Være et av de viktigste kontaktpunktene mellom politiet, befolkningen og de ulike aktørene i "
        "den enkelte kommune</li>"
        "<li>Gi råd om og følge opp rett bruk av kriminalitetsforebyggende metoder og tiltak</li>"
        "<li>Være et supplement til det øvrige kriminalitetsforebyggende arbeidet i kommunen</li></ul>",
        "<p>Hovudoppgåvene til politikontakten:</p><ul>"
        "<li>sørgje for kunnskapsdeling og erfaringsutveksling mellom politiet og samarbeidsaktørar i "
        "kommunen</li>"
        "<li>følgje med i kriminalitetsbiletet og trendutviklinga, sikre rett bruk av metode og tiltak</li>"
        "<li>ha god kunnskap om spesielle forhold i eige distrikt</li>"
        "<li>vere pådrivar for at politiråd og SLT-samarbeidet fungerer</li>"
        "<li>ha faste møtepunkt i kommunen etter forpliktande avtale mellom tenestestaden og kommunen</li>"
        "</ul>",
        "Skriv hvor ofte og hvor politikontakten er til stede i kommunen, og faste møtepunkter.",
        "Skriv kor ofte og kvar politikontakten er til stades i kommunen, og faste møtepunkt.",
    ),
    (
        SectionKind.TEXT,
        Owner.FELLES,
        "Politiråd",
        "Politiråd",
        "<p>Det skal etableres politiråd i alle kommuner. Politi og kommune har et felles ansvar for at dette "
        "fungerer. Politirådet ledes av ordføreren. Både politiet og kommunen skal spille inn saker til "
        "politirådet.</p><p>Det skal settes opp en møteplan for et år om gangen. Det skal avholdes minimum to "
        "møter i året.</p>",
        "<p>Det skal etablerast politiråd i alle kommunar. Politi og kommune har eit felles ansvar for at dette "
        "fungerer. Politirådet vert leia av ordføraren. Både politiet og kommunen skal spele inn saker til "
        "politirådet.</p><p>Det skal setjast opp ein møteplan for eitt år om gongen. Det skal haldast minst to "
        "møte i året.</p>",
        "Skriv hvem som er faste medlemmer, hvem som er sekretær, og hvor mange møter det holdes i året.",
        "Skriv kven som er faste medlemmar, kven som er sekretær, og kor mange møte som vert haldne i året.",
    ),
    (
        SectionKind.SLT,
        Owner.KOMMUNE,
        "SLT (samordning av lokale kriminalitetsforebyggende tiltak)",
        "SLT (samordning av lokale kriminalitetsførebyggjande tiltak)",
        "<p>Hensikten med SLT er at lokale offentlige og frivillige ressurser arbeider etter en felles og "
        "vedtatt strategi mot felles mål. SLT-koordinatoren er drivkraften i dette arbeidet.</p>"
        "<p>Det skal etableres et tett og formalisert samarbeid mellom lokalt politi og sentrale "
        "samarbeidspartnere, som for eksempel barnevern, utdanningsinstitusjoner og NAV.</p>",
        "<p>Hensikta med SLT er at lokale offentlege og frivillige ressursar arbeider etter ein felles og "
        "vedteken strategi mot felles mål. SLT-koordinatoren er drivkrafta i dette arbeidet.</p>"
        "<p>Det skal etablerast eit tett og formalisert samarbeid mellom lokalt politi og sentrale "
        "samarbeidspartnarar, som til dømes barnevern, utdanningsinstitusjonar og NAV.</p>",
        "Beskriv kommunens SLT-organisering, koordinatorstillingen og handlingsplanen.",
        "Skildre SLT-organiseringa i kommunen, koordinatorstillinga og handlingsplanen.",
    ),
    (
        SectionKind.EXPECTATIONS,
        Owner.FELLES,
        "Forventninger til samarbeid",
        "Forventningar til samarbeid",
        "<p>Samarbeidet med kommunene er gjensidig, det er derfor viktig at avtalen omhandler forventninger "
        "begge veier. Det er viktig at initiativ fra politiet tas videre til politisk behandling.</p>",
        "<p>Samarbeidet er gjensidig. Det er difor viktig at avtalen omhandlar forventningar begge vegar. Det "
        "er viktig at initiativ frå politiet vert teke vidare til politisk handsaming.</p>",
        "Før opp forventningene fra kommunen og fra politiet.",
        "Før opp forventningane frå kommunen og frå politiet.",
    ),
    (
        SectionKind.FOCUS,
        Owner.KOMMUNE,
        "Spesielle fokusområder",
        "Spesielle fokusområde",
        "<p>Fokusområdene hentes gjerne fra kommunens handlingsplan.</p>",
        "<p>Fokusområda vert gjerne henta frå handlingsplanen til kommunen.</p>",
        # The question is the writer's prompt: guidance, never box text that would be signed.
        "Hva er kommunens egne behov? Før opp lokale mål og satsingsområder som er forankret i politirådet.",
        "Kva er dei eigne behova til kommunen? Før opp lokale mål og satsingsområde som er forankra i politirådet.",
    ),
    (
        SectionKind.TEXT,
        Owner.FELLES,
        "Administrative forhold",
        "Administrative forhold",
        "<p>Taushetsplikten skal respekteres av alle involverte aktører. Taushetsbelagte opplysninger skal "
        "til enhver tid behandles etter gjeldende lover og regler om taushetsplikt. Nødvendige samtykker om "
        "fritak skal innhentes.</p><p>Dokumenter arkiveres i henhold til de ulike instansers arkivrutiner.</p>",
        "<p>Teieplikta skal respekterast av alle involverte aktørar. Teiepliktige opplysningar skal til "
        "kvar tid handsamast etter gjeldande lover og reglar om teieplikt. Nødvendige samtykke om fritak "
        "skal hentast inn.</p><p>Dokument vert arkiverte etter arkivrutinane til dei ulike instansane.</p>",
        "Avklar hvem som står for journalføring og hvordan saker fremmes tjenestevei.",
        "Avklar kven som står for journalføring og korleis saker vert fremja tenestevegen.",
    ),
    (
        SectionKind.CONTACTS,
        Owner.FELLES,
        "Kontaktinformasjon",
        "Kontaktinformasjon",
        "<p>Kontaktlisten lages fra partenes roller og oppdateres når personer skifter.</p>",
        "<p>Kontaktlista vert laga frå rollene til partane og vert oppdatert når personar skiftar.</p>",
        "Legg til kontaktpunkter som ikke er personer med roller, for eksempel felles e-postadresser.",
        "Legg til kontaktpunkt som ikkje er personar med roller, til dømes felles e-postadresser.",
    ),
    (
        SectionKind.TEXT,
        Owner.FELLES,
        "Evaluering",
        "Evaluering",
        "<p>Politikontaktordningen må evalueres løpende og nødvendige tilpasninger gjennomføres underveis. "
        "Samarbeidsavtalen evalueres årlig. Politidirektoratet har gitt ut en veileder for evaluering av "
        "politirådet.</p>",
        "<p>Politikontaktordninga må evaluerast undervegs og nødvendige tilpassingar gjennomførast undervegs. "
        "Samarbeidsavtalen vert evaluert årleg. Politidirektoratet har gjeve ut ein rettleiar for evaluering "
        "av politirådet.</p>",
        "Skriv når og hvordan samarbeidet evalueres, og hvem som skriver evalueringen.",
        "Skriv når og korleis samarbeidet vert evaluert, og kven som skriv evalueringa.",
    ),
]


@transaction.atomic
def ensure_national_template() -> AgreementTemplate:
    """The national default template, created with its sections if missing."""
    template, created = AgreementTemplate.objects.get_or_create(
        district=None, defaults={"name": "Nasjonal standardmal for samarbeidsavtaler"}
    )
    if created:
        for order, (kind, owner, h_nb, h_nn, t_nb, t_nn, g_nb, g_nn) in enumerate(NATIONAL_SECTIONS, start=1):
            TemplateSection.objects.create(
                template=template,
                order=order,
                kind=kind,
                owner=owner,
                heading_nb=h_nb,
                heading_nn=h_nn,
                standard_text_nb=t_nb,
                standard_text_nn=t_nn,
                guidance_nb=g_nb,
                guidance_nn=g_nn,
            )
        grant(template, Party.objects.filter(kind=Party.Kind.POLITIDISTRIKT), NATIONAL_TEMPLATE_POLICY)
    return template


def template_for_district(district: Politidistrikt | None) -> AgreementTemplate:
    """The district's own template, else the national default (created on first use)."""
    if district is not None:
        own = AgreementTemplate.objects.filter(district=district).first()
        if own:
            return own
    return ensure_national_template()
