import pytest

from agent.config import Keyword
from agent.relevance.lexical import KeywordMatcher

VLA = Keyword(term="Vision-Language-Action", synonyms=["vision language action model"], acronyms=["VLA"])
TS = Keyword(term="traffic prediction", synonyms=["traffic forecasting"])


@pytest.mark.parametrize(
    "text, hit",
    [
        ("We train a VLA policy", True),
        ("VLAs generalise poorly", True),
        ("a VLA-based controller", True),
        ("OpenVLA and SpatialVLA are baselines", True),
        ("Virtual Longform Audio Training (VLAT)", False),
        ("the vla acronym in lower case", False),
        ("AVLA is something else", False),
        ("vision-language-action models", True),
        ("Vision Language Action", True),
        ("visionlanguageaction", False),
    ],
)
def test_acronyms_and_phrases(text, hit):
    assert KeywordMatcher([VLA]).match(text, "").passed is hit


def test_phrase_with_plural_and_hyphen_variants():
    m = KeywordMatcher([TS])
    assert m.match("", "Traffic-forecasting with graphs").passed
    assert m.match("", "traffic predictions at scale").passed
    assert not m.match("", "traffic of predictions").passed


def test_title_hits_weigh_more_and_topics_add_up():
    m = KeywordMatcher([VLA, TS])
    title_hit = m.match("A VLA for driving", "")
    abstract_hit = m.match("Driving", "We use a VLA.")
    both = m.match("VLA meets traffic prediction", "")
    assert title_hit.score() > abstract_hit.score() > 0
    assert both.score() > title_hit.score()
    assert both.topics == ["Vision-Language-Action", "traffic prediction"]


def test_negative_keywords_exclude_with_a_reason():
    m = KeywordMatcher([VLA], negative=["autonomous driving"])
    result = m.match("A VLA for autonomous driving", "")
    assert not result.passed and result.score() == 0
    assert "autonomous driving" in result.reason_zh()
