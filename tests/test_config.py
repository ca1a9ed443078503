import pytest

from agent.config import load_profile, mask_secret, parse_profile, read_dotenv, resolve_models
from agent.roles import MODEL_ROLES as ROLES
from tests.conftest import MINIMAL_PROFILE, REPO
from tools.errors import ConfigError


def test_shipped_profiles_load():
    vla = load_profile(REPO / "profiles" / "vla-forecasting.toml")
    assert vla.categories == ["cs.AI", "cs.LG", "cs.RO", "cs.CV"]
    assert "VLA" in vla.keywords[0].acronyms
    sample = load_profile(REPO / "profiles" / "sample.toml")
    assert sample.name == "sample" and sample.include_replaced


def test_plain_string_keywords_become_terms(write_profile):
    p = load_profile(write_profile(MINIMAL_PROFILE))
    assert p.keywords[0].term == "retrieval"
    assert p.keywords[0].synonyms == [] and p.max_papers == 10


def test_name_defaults_to_file_stem(write_profile):
    p = load_profile(write_profile('categories = ["cs.CL"]\nkeywords = ["x y"]\n', name="my-lab.toml"))
    assert p.name == "my-lab"


@pytest.mark.parametrize(
    "text, expected",
    [
        ('categories = ["cs.XX"]\nkeywords = ["a b"]', "categories: unknown arXiv category 'cs.XX'"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\ncolour = "red"', "colour: unknown setting"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\nmax_papers = "ten"', "max_papers:"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\nmax_papers = 0', "max_papers:"),
        ('keywords = ["a b"]', "categories: required setting is missing"),
        ('categories = ["cs.CL"]\nkeywords = []', "keywords:"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\n[models.summariser]\nmodel = "x"', "unknown role 'summariser'"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\n[models.default]\napi_key = "sk-123"', "secrets are not read from profiles"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\nlanguage = "fr"', "language:"),
        ('categories = ["cs.CL"]\nkeywords = ["a b"]\nname = "../etc"', "name:"),
        ('categories = ["cs.CL"\nkeywords = ["a b"]', "invalid TOML"),
    ],
)
def test_bad_profiles_give_one_line_errors_naming_the_field(write_profile, text, expected):
    path = write_profile(text)
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message
    assert message.startswith(f"profile {path}")


def test_missing_profile_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_profile(tmp_path / "nope.toml")


def test_dotenv_parsing(tmp_path):
    env = tmp_path / ".env"
    env.write_text('# comment\nA=1\nexport B="two words"\nC=\'x\'\nbroken line\n')
    assert read_dotenv(env) == {"A": "1", "B": "two words", "C": "x"}
    assert read_dotenv(tmp_path / "missing") == {}


def _profile(models_toml: str = ""):
    import tomllib

    return parse_profile(tomllib.loads(MINIMAL_PROFILE + models_toml))


def test_per_role_models_fall_back_to_default():
    profile = _profile(
        """
[models.default]
model = "deepseek-chat"
base_url = "https://api.deepseek.com/v1"
api_key_env = "DS_KEY"
[models.critic]
model = "deepseek-reasoner"
timeout = 30
"""
    )
    resolved = resolve_models(profile, {"DS_KEY": "sk-abcdefghijklmnop"})
    assert set(resolved) == set(ROLES)
    assert resolved["judge"].model == "deepseek-chat"
    assert resolved["critic"].model == "deepseek-reasoner"
    assert resolved["critic"].timeout == 30 and resolved["judge"].timeout == 120
    assert all(r.base_url == "https://api.deepseek.com/v1" for r in resolved.values())
    assert resolved["writer"].api_key.get_secret_value() == "sk-abcdefghijklmnop"
    assert resolved["writer"].api_key_source == "DS_KEY"


def test_precedence_override_then_profile_then_environment():
    env = {"ARXIV_MONITOR_MODEL": "env-model", "ARXIV_MONITOR_BASE_URL": "http://env/v1", "ARXIV_MONITOR_JUDGE_MODEL": "env-judge"}
    bare = _profile()
    from_env = resolve_models(bare, env)
    assert from_env["writer"].model == "env-model" and from_env["judge"].model == "env-judge"
    assert from_env["writer"].base_url == "http://env/v1"

    with_profile = resolve_models(_profile('[models.default]\nmodel = "profile-model"\n'), env)
    assert with_profile["writer"].model == "profile-model"  # profile beats environment
    assert with_profile["writer"].base_url == "http://env/v1"  # unset in profile: environment fills in

    overridden = resolve_models(_profile('[models.default]\nmodel = "profile-model"\n'), env, {"default": {"model": "cli-model"}})
    assert overridden["judge"].model == "cli-model"  # explicit per-run value beats all


def test_generic_key_fallbacks():
    resolved = resolve_models(_profile('[models.default]\nmodel = "m"\n'), {"OPENAI_API_KEY": "sk-openai-123456"})
    assert resolved["reader"].api_key_source == "OPENAI_API_KEY"
    resolved = resolve_models(
        _profile('[models.default]\nmodel = "m"\n'),
        {"OPENAI_API_KEY": "sk-openai-123456", "ARXIV_MONITOR_API_KEY": "sk-mine-1234567"},
    )
    assert resolved["reader"].api_key_source == "ARXIV_MONITOR_API_KEY"


def test_mask_secret_never_shows_the_secret():
    assert mask_secret("sk-abcdefghijklmnop") == "****mnop"
    assert mask_secret("short") == "****"
    assert mask_secret(None) == "not set"


def test_every_problem_of_a_profile_is_named_at_once(write_profile):
    """One fix per run was needed: the message said "(and 2 more problem(s))" without naming them."""
    path = write_profile('categories = ["cs.XX"]\nkeywords = ["a b"]\ncolour = "red"\nmax_papers = 0')
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    message = str(err.value)
    assert all(p in message for p in ("categories: unknown arXiv category 'cs.XX'", "colour: unknown setting", "max_papers:"))
    assert "\n" not in message
