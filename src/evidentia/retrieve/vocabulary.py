"""General vocabulary for query analysis: stopwords, question words, abbreviations, spellings.

Everything here is general English or general biomedical vocabulary (common clinical
abbreviations, study-design terms, British/American spelling pairs); nothing is specific to one
drug, disease or topic. Abbreviations expand only when written in capitals in the question
("MS", not "ms"), because lower-case forms are often ordinary words or units.
"""

from __future__ import annotations

# Verbs that open a yes/no question ("Does ...", "Is ...", "Can ...").
_AUXILIARIES = """does do did is are was were can could should will would has have had may might
must shall am isn aren doesn don didn wasn weren"""
AUXILIARIES: frozenset[str] = frozenset(_AUXILIARIES.split())

_QUESTION_WORDS = "what which who whom whose when where why how whether"

# General English function words (no single letters other than "a" and "i": "vitamin D",
# "hepatitis B" and "type 2" keep their letter or digit).
_ENGLISH = """
a about above across after afterwards again against all almost along already also although
always among amongst an and another any anybody anyone anything anyway anywhere are around as at
be became because become becomes been before beforehand being below beside besides between both
but by can cannot could did do does doing done down during each either else elsewhere enough
etc even ever every everyone everything except few for from further furthermore had has have
having he hence her here hers herself him himself his however i if in indeed into is it its
itself just least less let lets like likely many may me meanwhile might mine more moreover most
mostly much must my myself namely neither never nevertheless no nobody none nor not nothing now
of off often on once one only onto or other others otherwise ought our ours ourselves out over
own per perhaps please quite rather really same several shall she should since so some somehow
someone something sometimes still such than that the their theirs them themselves then there
thereby therefore these they this those though through throughout thus to together too toward
towards under unless until up upon us very via was we well were what whatever when whenever where
whereas wherever whether which while who whoever whom whose why will with within without would
yes yet you your yours yourself yourselves
"""

# Words that frame a question without saying what it is about.
_QUESTION_FILLERS = (
    "evidence research true false actually anybody somebody tell know thing things vs versus"
)

STOPWORDS: frozenset[str] = frozenset(
    (_ENGLISH + _QUESTION_WORDS + " " + _QUESTION_FILLERS).split()
) | AUXILIARIES

# Stopwords that are biomedical abbreviations when written in capitals ("NO" = nitric oxide).
CAPITALISED_KEEP: frozenset[str] = frozenset({"no", "us"})

# Words trimmed from the front of a PICO phrase ("taking fish oil" -> "fish oil").
LEADING_FILLERS: frozenset[str] = frozenset({"taking", "using", "use", "giving", "receiving"})

# Common clinical abbreviations -> their spelled-out forms (added to the search as phrases).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "AD": ("alzheimer disease",),
    "ADHD": ("attention deficit hyperactivity disorder",),
    "AF": ("atrial fibrillation",),
    "AKI": ("acute kidney injury",),
    "ALS": ("amyotrophic lateral sclerosis",),
    "AMI": ("acute myocardial infarction",),
    "ARDS": ("acute respiratory distress syndrome",),
    "ASD": ("autism spectrum disorder",),
    "BMI": ("body mass index",),
    "BP": ("blood pressure",),
    "CAD": ("coronary artery disease",),
    "CBT": ("cognitive behavioural therapy", "cognitive behavioral therapy"),
    "CHD": ("coronary heart disease",),
    "CHF": ("congestive heart failure",),
    "CKD": ("chronic kidney disease",),
    "COPD": ("chronic obstructive pulmonary disease",),
    "CRP": ("c reactive protein",),
    "CVD": ("cardiovascular disease",),
    "DVT": ("deep vein thrombosis",),
    "GERD": ("gastroesophageal reflux disease",),
    "HF": ("heart failure",),
    "HRT": ("hormone replacement therapy",),
    "HTN": ("hypertension",),
    "IBD": ("inflammatory bowel disease",),
    "IBS": ("irritable bowel syndrome",),
    "ICU": ("intensive care unit",),
    "LBP": ("low back pain",),
    "MDD": ("major depressive disorder",),
    "MI": ("myocardial infarction",),
    "MS": ("multiple sclerosis",),
    "NO": ("nitric oxide",),
    "NSAID": ("nonsteroidal anti inflammatory", "non steroidal anti inflammatory"),
    "NSAIDS": ("nonsteroidal anti inflammatory", "non steroidal anti inflammatory"),
    "OA": ("osteoarthritis",),
    "OCD": ("obsessive compulsive disorder",),
    "PCOS": ("polycystic ovary syndrome",),
    "PD": ("parkinson disease",),
    "PTSD": ("post traumatic stress disorder", "posttraumatic stress disorder"),
    "QOL": ("quality of life",),
    "RA": ("rheumatoid arthritis",),
    "RCT": ("randomized controlled trial", "randomised controlled trial"),
    "RCTS": ("randomized controlled trial", "randomised controlled trial"),
    "SCI": ("spinal cord injury",),
    "SLE": ("systemic lupus erythematosus",),
    "SSRI": ("selective serotonin reuptake inhibitor",),
    "SSRIS": ("selective serotonin reuptake inhibitor",),
    "T1D": ("type 1 diabetes",),
    "T1DM": ("type 1 diabetes",),
    "T2D": ("type 2 diabetes",),
    "T2DM": ("type 2 diabetes",),
    "TBI": ("traumatic brain injury",),
    "US": ("ultrasound",),
    "UTI": ("urinary tract infection",),
}

# British -> American word starts; the reverse direction is derived. Applied to whole terms.
_SPELLING_STEMS: dict[str, str] = {
    "anaem": "anem", "anaesth": "anesth", "behaviour": "behavior", "caesar": "cesar",
    "coeliac": "celiac", "diarrhoe": "diarrhe", "dyspnoe": "dyspne", "faec": "fec",
    "foet": "fet", "gynaec": "gynec", "haem": "hem", "hospitalis": "hospitaliz",
    "immunis": "immuniz", "ischaem": "ischem", "leukaem": "leukem", "oedem": "edem",
    "oesophag": "esophag", "oestr": "estr", "orthopaed": "orthoped", "paediatr": "pediatr",
    "randomis": "randomiz", "tumour": "tumor", "labour": "labor", "colour": "color",
    "organis": "organiz", "characteris": "characteriz", "minimis": "minimiz",
    "optimis": "optimiz", "utilis": "utiliz", "stabilis": "stabiliz", "sensitis": "sensitiz",
}
_AMERICAN_STEMS = {american: british for british, american in _SPELLING_STEMS.items()}


def abbreviation_expansions(word: str) -> tuple[str, ...]:
    """Spelled-out forms of an abbreviation written in capitals (``"MS"``), else ``()``."""
    return ABBREVIATIONS.get(word.upper(), ()) if word.isupper() else ()


def spelling_variants(term: str) -> list[str]:
    """The other spelling of a lower-case term (``tumour`` <-> ``tumor``), if it has one."""
    variants = []
    for table in (_SPELLING_STEMS, _AMERICAN_STEMS):
        for start, other in table.items():
            rest = term[len(start):]
            # -ise/-ize stems only before a suffix vowel: "organised", not "organism"
            suffix_ok = start[-2:] not in ("is", "iz") or rest[:1] in {"e", "a", "i"}
            if term.startswith(start) and suffix_ok:
                variants.append(other + rest)
                break
    return [variant for variant in variants if variant != term]
