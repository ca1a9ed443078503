from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI
from typer.testing import CliRunner

from agent.cli import app
from agent.config import resolve_models
from agent.llm.registry import LLMRegistry, build_registry
from tests.test_config import _profile

SECRET = "sk-very-secret-key-0123456789"

ROLE_PROFILE = """
[models.default]
model = "qwen-plus"
base_url = "http://127.0.0.1:9/v1"
api_key_env = "LAB_KEY"
timeout = 15
max_retries = 5
[models.writer]
model = "qwen-max"
"""


def test_registry_builds_one_client_per_role():
    resolved = resolve_models(_profile(ROLE_PROFILE), {"LAB_KEY": SECRET})
    reg = build_registry(resolved)
    assert not reg.fully_offline and reg.offline_roles() == []
    judge, writer = reg.model("judge"), reg.model("writer")
    assert isinstance(judge, ChatOpenAI) and isinstance(writer, ChatOpenAI)
    assert judge.model_name == "qwen-plus" and writer.model_name == "qwen-max"
    assert judge.openai_api_base == "http://127.0.0.1:9/v1"
    assert judge.max_retries == 5 and judge.request_timeout == 15
    assert judge.openai_api_key.get_secret_value() == SECRET


def test_offline_when_nothing_is_configured():
    reg = build_registry(resolve_models(_profile(), {}))
    assert reg.fully_offline
    assert reg.offline_reason == "no model endpoint is configured"
    assert reg.model("judge") is None


def test_offline_flag_wins_over_configuration():
    reg = build_registry(resolve_models(_profile(ROLE_PROFILE), {"LAB_KEY": SECRET}), offline=True)
    assert reg.fully_offline and reg.offline_reason == "--offline was given"


def test_mixed_mode_keeps_unconfigured_roles_offline():
    resolved = resolve_models(_profile('[models.judge]\nmodel = "small"\nbase_url = "http://127.0.0.1:9/v1"\n'), {})
    reg = build_registry(resolved)
    assert reg.offline_roles() == ["reader", "writer", "critic"]
    # llama.cpp and friends take any key; the client still needs one.
    assert reg.model("judge").openai_api_key.get_secret_value() == "not-needed"


def test_usage_is_recorded_per_role():
    fake = GenericFakeChatModel(
        messages=iter([AIMessage(content="ok", usage_metadata={"input_tokens": 11, "output_tokens": 3, "total_tokens": 14})] * 2)
    )
    reg = LLMRegistry(models={"judge": fake, "writer": fake})
    fake.invoke("hi", config=reg.config("judge"))
    fake.invoke("hi", config=reg.config("judge"))
    usage = reg.usage.by_role()
    assert usage["judge"].calls == 2 and usage["judge"].input_tokens == 22 and usage["judge"].output_tokens == 6
    assert "writer" not in usage


def test_doctor_masks_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_KEY", SECRET)
    profile = tmp_path / "lab.toml"
    profile.write_text('categories = ["cs.CL"]\nkeywords = ["rag"]\n' + ROLE_PROFILE)
    result = CliRunner().invoke(app, ["doctor", "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "****6789" in result.output and "LAB_KEY" in result.output
    assert "Mode online" in result.output
    assert "qwen-max" in result.output


def test_doctor_reports_offline_mode(tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text('categories = ["cs.CL"]\nkeywords = ["rag"]\n')
    result = CliRunner().invoke(app, ["doctor", "-p", str(profile)])
    assert result.exit_code == 0, result.output
    assert "Mode offline (no model endpoint is configured)" in result.output
    offline = CliRunner().invoke(app, ["doctor", "-p", str(profile), "--offline"])
    assert "--offline was given" in offline.output


def test_doctor_bad_profile_is_one_line_error(tmp_path):
    from tools.errors import ConfigError

    profile = tmp_path / "p.toml"
    profile.write_text('categories = ["cs.XX"]\nkeywords = ["rag"]\n')
    result = CliRunner().invoke(app, ["doctor", "-p", str(profile)])
    assert isinstance(result.exception, ConfigError)
    assert "categories: unknown arXiv category 'cs.XX'" in str(result.exception)
