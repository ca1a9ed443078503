"""The one configuration model: a TOML profile, with secrets only from the environment.

Precedence for every setting: explicit per-run values (command line), then the
profile file, then environment variables, then defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from agent.roles import MODEL_ROLES, PROMPT_ROLES, variant_name_problem
from tools.arxiv_categories import is_valid_category
from tools.errors import ConfigError

ENV_PREFIX = "ARXIV_MONITOR_"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Keyword(_Strict):
    """A topic of interest: the phrase itself plus the other ways papers write it."""

    term: str = Field(min_length=2)
    synonyms: list[str] = Field(default_factory=list)
    acronyms: list[str] = Field(default_factory=list)

    @field_validator("term", "synonyms", "acronyms", mode="after")
    @classmethod
    def _strip(cls, value):
        if isinstance(value, str):
            if len(value.strip()) < 2:
                raise ValueError("a keyword needs at least two characters besides spaces (a blank one would match every paper)")
            return value.strip()
        return [v.strip() for v in value if v.strip()]

    def phrases(self) -> list[str]:
        return [self.term, *self.synonyms]


class ModelSettings(_Strict):
    """Settings for one role's chat model. Any field left out falls back to `[models.default]`."""

    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, description="name of the environment variable holding the key")
    temperature: float | None = Field(default=None, ge=0, le=2)
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0, le=10)
    max_tokens: int | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secrets(cls, data):
        if isinstance(data, dict) and "api_key" in data:
            raise ValueError("secrets are not read from profiles: set api_key_env to the name of an environment variable")
        return data


class ReaderSettings(_Strict):
    token_budget: int = Field(default=12000, ge=1000, description="tokens of paper text the reader may pull per paper")
    concurrency: int = Field(default=4, ge=1, le=32, description="papers read in parallel")
    max_tool_calls: int = Field(default=12, ge=1, le=100)


class WriterSettings(_Strict):
    max_revisions: int = Field(default=2, ge=0, le=5)
    min_chars_per_part: int = Field(default=40, ge=0)
    max_chars_per_part: int = Field(default=1500, ge=100)


class SemanticSettings(_Strict):
    """The semantic stage between the keyword prefilter and the judge (see agent/relevance/relevance_model.py)."""

    enabled: bool = True
    daily_cap: int = Field(default=20, ge=0, le=200, description="papers without keyword hits admitted per day (to the judge model, or offline)")
    library_recall: float = Field(default=0.85, gt=0, le=1, description="offline threshold: the score that keeps this share of the library's own papers (leave-one-out)")
    near_misses: int = Field(default=8, ge=0, le=50, description="best-scoring papers not selected, listed in the report's 差点入选")
    background: int = Field(default=2000, ge=50, le=20000, description="recent announcements the model learns as negatives")
    retrain_days: int = Field(default=7, ge=1, le=90, description="retrain at least this often, for a fresh background")


class EmailChannel(_Strict):
    """One multipart e-mail (plain text and HTML with inlined CSS) per report."""

    type: Literal["email"]
    name: str = ""
    smtp_host: str
    smtp_port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)


class WebhookChannel(_Strict):
    """A chat bot or any HTTP endpoint: each platform's own message format, split to its size limits."""

    type: Literal["feishu", "wecom", "dingtalk", "slack", "webhook"]
    name: str = ""
    url: str | None = None
    url_env: str | None = Field(default=None, description="environment variable holding the URL (it often embeds a token)")
    secret_env: str | None = Field(default=None, description="environment variable holding the signing secret (Feishu, DingTalk, webhook)")

    @model_validator(mode="after")
    def _one_url(self):
        if bool(self.url) == bool(self.url_env):
            raise ValueError("give exactly one of url or url_env")
        return self


DeliveryChannel = EmailChannel | WebhookChannel


class Profile(_Strict):
    """A research group's interests and how to run for them."""

    name: str = Field(default="profile")
    description: str = ""
    categories: list[str] = Field(min_length=1)
    keywords: list[Keyword] = Field(min_length=1)
    negative_keywords: list[str] = Field(default_factory=list)
    library: list[Path] = Field(default_factory=list, description="BibTeX, RIS or Zotero CSV exports of the group's papers, relative to the profile file")
    semantic: SemanticSettings = Field(default_factory=SemanticSettings)
    max_papers: int = Field(default=10, ge=1, le=200)
    language: Literal["zh", "en"] = "zh"
    relevance_threshold: float = Field(default=6.0, ge=0, le=10)
    include_replaced: bool = Field(
        default=False, description="also judge replaced versions of papers this profile never reported"
    )
    output_dir: Path = Path("reports")
    data_dir: Path = Path(".arxiv-monitor")
    models: dict[str, ModelSettings] = Field(default_factory=dict)
    prompts: dict[str, str] = Field(default_factory=dict, description="prompt variant per role")
    reader: ReaderSettings = Field(default_factory=ReaderSettings)
    writer: WriterSettings = Field(default_factory=WriterSettings)
    delivery: list[DeliveryChannel] = Field(default_factory=list, description="where each report is sent, once per channel")
    report_url: str | None = Field(default=None, description="where the `site` folder is served (messages link <url>/<date>/index.html), or a pattern with {profile} and {date}")
    database: str | None = Field(
        default=None, description="postgresql://... to share the ledger, analyses and checkpoints with other workers "
                                  "(ARXIV_MONITOR_DATABASE_URL wins); unset: SQLite in data_dir")

    @field_validator("name")
    @classmethod
    def _name_is_path_safe(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError("use letters, digits, '-', '_' or '.' (it names the output folder)")
        return value

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        for cat in value:
            if not is_valid_category(cat):
                raise ValueError(f"unknown arXiv category {cat!r}")
        return list(dict.fromkeys(value))

    @field_validator("negative_keywords")
    @classmethod
    def _no_blank_negatives(cls, value: list[str]) -> list[str]:
        if any(len(v.strip()) < 2 for v in value):
            raise ValueError("a negative keyword needs at least two characters besides spaces (a blank one would exclude every paper)")
        return [v.strip() for v in value]

    @field_validator("keywords", mode="before")
    @classmethod
    def _plain_strings_are_terms(cls, value):
        if isinstance(value, list):
            return [{"term": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("models")
    @classmethod
    def _known_roles(cls, value: dict[str, ModelSettings]) -> dict[str, ModelSettings]:
        for role in value:
            if role not in ("default", "embeddings") and role not in MODEL_ROLES:
                raise ValueError(f"unknown role {role!r} (roles: default, {', '.join(MODEL_ROLES)}, embeddings)")
        return value

    @field_validator("prompts")
    @classmethod
    def _known_prompt_roles(cls, value: dict[str, str]) -> dict[str, str]:
        for role in value:
            if role not in PROMPT_ROLES:
                raise ValueError(f"unknown role {role!r} (roles: {', '.join(PROMPT_ROLES)})")
            problem = variant_name_problem(role, value[role])
            if problem:
                raise ValueError(problem)
        return value

    @field_validator("delivery", mode="before")
    @classmethod
    def _channel_by_type(cls, value):
        # Pick the model by `type`, so an error names the right fields.
        if isinstance(value, list):
            return [EmailChannel.model_validate(v) if isinstance(v, dict) and v.get("type") == "email" else
                    WebhookChannel.model_validate(v) if isinstance(v, dict) else v for v in value]
        return value

    def channel_names(self) -> list[str]:
        return [c.name or f"{c.type}-{i + 1}" for i, c in enumerate(self.delivery)]

    def prompt_variant(self, role: str) -> str:
        return self.prompts.get(role, "default")


def _problem(err: dict) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "profile"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown setting"
    elif err["type"] == "missing":
        msg = "required setting is missing"
    return f"{where}: {msg}"


def _format_validation_error(exc: ValidationError, shown: int = 5) -> str:
    """Every problem of the profile on one line (up to `shown`), so one edit fixes them all."""
    problems = [_problem(err) for err in exc.errors()]
    return "; ".join(problems[:shown]) + (f"; and {len(problems) - shown} more" if len(problems) > shown else "")


def parse_profile(data: Mapping, *, default_name: str = "profile") -> Profile:
    data = dict(data)
    data.setdefault("name", default_name)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc)) from None


MAX_PROFILE_BYTES = 1024 * 1024  # a profile is a few KiB of TOML


def load_profile(path: str | Path) -> Profile:
    """Read and validate a TOML profile; every problem becomes a one-line ConfigError."""
    path = Path(path)
    try:
        # Bounded: a path such as /dev/zero (from a server request's context) must not be read forever.
        with path.open("rb") as handle:
            raw = handle.read(MAX_PROFILE_BYTES + 1)
        if len(raw) > MAX_PROFILE_BYTES:
            raise ConfigError(f"profile {path}: larger than {MAX_PROFILE_BYTES // 1024} KiB, so not a profile (give the path of a TOML profile)")
    except FileNotFoundError:
        raise ConfigError(f"profile {path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"profile {path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"profile {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {path}: invalid TOML: {exc}") from None
    try:
        profile = parse_profile(data, default_name=path.stem)
    except ConfigError as exc:
        raise ConfigError(f"profile {path}: {exc}") from None
    # Library files travel with the profile, so they are found relative to it.
    return profile.model_copy(update={"library": [p if p.is_absolute() else path.parent / p for p in profile.library]})


# --- environment -----------------------------------------------------------------


def read_dotenv(path: str | Path = ".env") -> dict[str, str]:
    """Parse KEY=VALUE lines of a .env file; a missing file is an empty mapping."""
    values: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return values
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment(dotenv_path: str | Path | None = ".env") -> dict[str, str]:
    """The process environment over a .env file: real variables win."""
    env = read_dotenv(dotenv_path) if dotenv_path else {}
    env.update(os.environ)
    return env


# --- resolved model settings --------------------------------------------------------


class ResolvedModel(BaseModel):
    """What one role will actually talk to, after precedence is applied."""

    role: str
    model: str | None
    base_url: str | None
    api_key: SecretStr | None
    api_key_source: str | None
    temperature: float | None
    timeout: float
    max_retries: int
    max_tokens: int | None

    @property
    def configured(self) -> bool:
        return bool(self.model)


def mask_secret(secret: SecretStr | str | None) -> str:
    if secret is None:
        return "not set"
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if len(value) >= 12:
        return f"****{value[-4:]}"
    return "****"


def _picker(role: str, over: Mapping, own: ModelSettings, default: ModelSettings, env: Mapping[str, str]):
    def pick(field: str, env_key: str | None = None, fallback=None):
        for source in (over.get(field), getattr(own, field), getattr(default, field)):
            if source is not None:
                return source
        if env_key:
            value = env.get(f"{ENV_PREFIX}{role.upper()}_{env_key}") or env.get(f"{ENV_PREFIX}{env_key}")
            if value:
                return value
        return fallback

    return pick


def _resolve_role(role: str, over: Mapping, own: ModelSettings, default: ModelSettings, env: Mapping[str, str]) -> ResolvedModel:
    pick = _picker(role, over, own, default, env)
    key_env = pick("api_key_env")
    key_sources = [key_env] if key_env else [f"{ENV_PREFIX}{role.upper()}_API_KEY", f"{ENV_PREFIX}API_KEY", "OPENAI_API_KEY"]
    api_key, api_key_source = None, None
    for name in key_sources:
        if env.get(name):
            api_key, api_key_source = SecretStr(env[name]), name
            break
    return ResolvedModel(
        role=role,
        model=pick("model", "MODEL"),
        base_url=pick("base_url", "BASE_URL"),
        api_key=api_key,
        api_key_source=api_key_source or (key_sources[0] if key_env else None),
        temperature=pick("temperature", fallback=0.2),
        timeout=float(pick("timeout", "TIMEOUT", fallback=120.0)),
        max_retries=int(pick("max_retries", fallback=3)),
        max_tokens=pick("max_tokens"),
    )


def resolve_models(
    profile: Profile,
    env: Mapping[str, str],
    overrides: Mapping[str, Mapping[str, object]] | None = None,
) -> dict[str, ResolvedModel]:
    """Per-role settings: overrides > profile role > profile default > environment > defaults."""
    overrides = overrides or {}
    default = profile.models.get("default", ModelSettings())
    return {role: _resolve_role(role, {**overrides.get("default", {}), **overrides.get(role, {})}, profile.models.get(role, ModelSettings()),
                                default, env)
            for role in MODEL_ROLES}


def resolve_embeddings(profile: Profile, env: Mapping[str, str]) -> ResolvedModel | None:
    """`[models.embeddings]` for the semantic stage, or None when no embeddings model is named.

    Endpoint, key and limits fall back to `[models.default]` and the environment exactly as a chat role's do;
    only the model name must be given (a chat model's name would not embed)."""
    settings = profile.models.get("embeddings")
    if settings is None or not settings.model:
        return None
    return _resolve_role("embeddings", {}, settings, profile.models.get("default", ModelSettings()), env)


NO_MODEL_CONFIGURED = "no model endpoint is configured"


def offline_reason(resolved: Mapping[str, ResolvedModel], offline: bool) -> str | None:
    """Why every role runs without a model, or None when some role has one (the others then run offline on their own)."""
    if offline:
        return "--offline was given"
    if not any(r.configured for r in resolved.values()):
        return NO_MODEL_CONFIGURED
    return None
