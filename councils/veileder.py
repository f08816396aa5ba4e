"""The year-end self-evaluation of a politiråd, as the national guide (Politidirektoratet's "Veileder for politiråd",
with the SLT model's steering-group role) asks it: one question per line of the guide, in bokmål and nynorsk.

Each question names the figure of the year that is shown beside it (``figure``, a field of
councils.services.EvaluationFigures) and whether its answer is the starting point of next year's årshjul
(``carries_over``). The answers are stored by ``key`` (Evaluation.answers); a key never changes meaning.
"""

from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class Question:
    key: str
    nb: str
    nn: str
    figure: str = ""  # which of the year's figures belongs beside it (EvaluationFigures.<figure>_text)
    carries_over: bool = False  # the answer is the starting point of next year's årshjul
    proposes_themes: bool = False  # one theme per line: proposed for next year's årshjul

    @property
    def text(self) -> str:
        return self.nn if get_language() == "nn" else self.nb


QUESTIONS: tuple[Question, ...] = (
    Question(
        "meetings",
        "Har politirådet møttes så ofte som samarbeidsavtalen sier, og ble møtene forberedt med innkalling og "
        "sakliste i god tid?",
        "Har politirådet møtst så ofte som samarbeidsavtalen seier, og vart møta førebudde med innkalling og "
        "sakliste i god tid?",
        figure="meetings",
    ),
    Question(
        "attendance",
        "Har de rette personene deltatt – ordfører, rådmann/kommunedirektør og politiets ledelse – og har de "
        "møtt selv, eller sendt stedfortreder med fullmakt til å beslutte?",
        "Har dei rette personane vore med – ordførar, rådmann/kommunedirektør og leiinga i politiet – og har dei "
        "møtt sjølve, eller sendt stadfortredar med fullmakt til å avgjere?",
        figure="attendance",
    ),
    Question(
        "follow_up",
        "Er vedtakene fulgt opp innen fristen, og er det klart hvem som har ansvaret for det som fortsatt står åpent?",
        "Er vedtaka følgde opp innan fristen, og er det klart kven som har ansvaret for det som framleis står ope?",
        figure="follow_up",
    ),
    Question(
        "knowledge",
        "Har politirådet hatt et felles kunnskapsgrunnlag – politiets situasjonsbilde, politiets "
        "innbyggerundersøkelse, Ungdata og kommunens egne tall – og brukt det til å velge innsatsområder?",
        "Har politirådet hatt eit felles kunnskapsgrunnlag – situasjonsbiletet til politiet, "
        "innbyggjarundersøkinga til politiet, Ungdata og kommunen sine eigne tal – og brukt det til å velje "
        "innsatsområde?",
    ),
    Question(
        "effect",
        "Er målene for året nådd? Hvilken effekt har de iverksatte tiltakene hatt mot kriminalitetsutfordringene "
        "som ble avdekket?",
        "Er måla for året nådde? Kva effekt har tiltaka som er sette i verk, hatt mot kriminalitetsutfordringane "
        "som vart avdekte?",
    ),
    Question(
        "slt",
        "Har politirådet styrt SLT-arbeidet som styringsgruppe – fått rapport fra SLT-koordinatoren og tatt "
        "stilling til tiltakene i handlingsplanen?",
        "Har politirådet styrt SLT-arbeidet som styringsgruppe – fått rapport frå SLT-koordinatoren og teke "
        "stilling til tiltaka i handlingsplanen?",
        figure="slt",
    ),
    Question(
        "preparedness",
        "Hvordan har samarbeidet om beredskap og samfunnssikkerhet fungert – planer, øvelser og hendelser?",
        "Korleis har samarbeidet om beredskap og samfunnstryggleik fungert – planar, øvingar og hendingar?",
    ),
    Question(
        "lessons",
        "Hva bør endres neste år – i møteform, deltakelse, arbeidsdeling eller samarbeidsavtalen?",
        "Kva bør endrast neste år – i møteform, deltaking, arbeidsdeling eller samarbeidsavtalen?",
        carries_over=True,
    ),
    Question(
        "themes",
        "Hvilke tema bør politirådet ta opp neste år? Skriv ett tema på hver linje.",
        "Kva tema bør politirådet ta opp neste år? Skriv eitt tema på kvar linje.",
        carries_over=True,
        proposes_themes=True,
    ),
)

BY_KEY = {question.key: question for question in QUESTIONS}
