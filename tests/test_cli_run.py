import json
import threading

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.config import load_profile
from agent.llm.registry import offline_registry
from agent.run.monitor_run import run_monitor
from tests.conftest import REPO, SAMPLE_DIR
from tools.errors import ConfigError
from tools.sources import OfflineSource


def test_run_offline_like_the_readme(profile_file, tmp_path):
    result = CliRunner().invoke(app, ["run", "--profile", str(profile_file), "--offline"])
    assert result.exit_code == 0, result.output
    assert "offline mode" in result.output
    assert "completed sample 2026-11-20" in result.output
    report = json.loads((tmp_path / "reports" / "sample" / "2026-11-20" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["reported"] == 6
    again = CliRunner().invoke(app, ["run", "--profile", str(profile_file), "--offline"])
    assert again.exit_code == 0 and "reused sample 2026-11-20" in again.output


def test_run_into_another_out_dir_and_prompt_variant(profile_file, tmp_path):
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline", "--out", str(out), "--prompt", "writer=concise", "--max-papers", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "sample" / "2026-11-20" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["prompts"]["writer"]["variant"] == "concise"
    assert report["counts"]["reported"] == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2026-13-01"], "is not a date"),
        (["--prompt", "writer"], "expected ROLE=VARIANT"),
        (["--prompt", "writer=nonexistent"], "prompt variant 'nonexistent' for writer not found"),
        (["--offline-dir", "/no/such/dir"], "does not exist"),
        (["--date", "2026-11-19"], "no recorded feed for 2026-11-19"),
    ],
)
def test_run_bad_arguments_are_one_line_errors(profile_file, args, message):
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline", *args])
    assert result.exit_code != 0
    assert message in str(result.exception), result.output


def test_overlapping_runs_are_serialised_and_the_second_reuses(tmp_path):
    profile = load_profile(REPO / "profiles" / "sample.toml").model_copy(update={"data_dir": tmp_path / "d", "output_dir": tmp_path / "r", "max_papers": 2})
    outcomes, errors = [], []

    def one():
        try:
            outcomes.append(run_monitor(profile, registry=offline_registry("test"), source=OfflineSource(SAMPLE_DIR)))
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(o.status for o in outcomes) == ["completed", "reused"]
    assert outcomes[0].paths["json"].read_bytes() == outcomes[1].paths["json"].read_bytes()


def test_help_texts_explain_every_option():
    runner = CliRunner()
    for command in ([], ["run"], ["sections"], ["doctor"], ["schedule"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
    run_help = runner.invoke(app, ["run", "--help"]).output
    for option in ("--profile", "--date", "--offline", "--offline-dir", "--out", "--model", "--prompt", "--max-papers", "--fresh"):
        assert option in run_help


def test_offline_dir_must_exist():
    with pytest.raises(ConfigError):
        OfflineSource(REPO / "nope")


def run_cli(*args):
    return CliRunner().invoke(app, ["run", *args])


def test_a_finished_day_is_recomputed_when_what_shaped_it_changed(profile_file, tmp_path):
    assert run_cli("-p", str(profile_file), "--offline").exit_code == 0
    # Fewer papers asked for: the same day is computed again, not re-rendered.
    fewer = run_cli("-p", str(profile_file), "--offline", "--max-papers", "2")
    assert fewer.exit_code == 0 and "recomputed sample 2026-11-20" in fewer.output and "profile" in fewer.output
    report = json.loads((tmp_path / "reports" / "sample" / "2026-11-20" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["reported"] == 2 and report["profile"]["max_papers"] == 2
    # Nothing changed since: reused, with no work done.
    assert "reused sample 2026-11-20" in run_cli("-p", str(profile_file), "--offline", "--max-papers", "2").output
    # An edited profile file counts too, and so does another prompt variant.
    profile_file.write_text(profile_file.read_text(encoding="utf-8").replace("relevance_threshold = 5", "relevance_threshold = 6"), encoding="utf-8")
    assert "recomputed" in run_cli("-p", str(profile_file), "--offline", "--max-papers", "2").output
    assert "recomputed" in run_cli("-p", str(profile_file), "--offline", "--max-papers", "2", "--prompt", "writer=concise").output


def test_a_day_with_a_failed_paper_is_tried_again(profile_file, tmp_path):
    import shutil

    day = tmp_path / "day"
    shutil.copytree(SAMPLE_DIR, day)
    good = (day / "2002.08909v1.pdf").read_bytes()
    (day / "2002.08909v1.pdf").write_bytes(good[:4000])  # a broken download
    first = run_cli("-p", str(profile_file), "--offline-dir", str(day))
    assert first.exit_code == 0 and "1 failed" in first.output
    said = " ".join(first.output.split())
    assert "2002.08909v1: failed (" in said and "truncated PDF" in said  # the console says why, not only "failed"
    (day / "2002.08909v1.pdf").write_bytes(good)  # restored
    again = run_cli("-p", str(profile_file), "--offline-dir", str(day))
    assert "recomputed" in again.output and "0 failed" in again.output
    report = json.loads((tmp_path / "reports" / "sample" / "2026-11-20" / "report.json").read_text(encoding="utf-8"))
    assert "2002.08909v1" in [p["arxiv_id"] for p in report["papers"]] and report["failures"] == []


def test_feedback_round_trip(profile_file, tmp_path):
    from agent.config import load_profile
    from tools.ledger import Ledger

    # --offline: a paper the profile never saw is looked up in the bundled sample day, not on arXiv.
    assert CliRunner().invoke(app, ["feedback", "2002.08909v1", "--like", "-p", str(profile_file), "--offline"]).exit_code == 0
    assert CliRunner().invoke(app, ["feedback", "1502.03167", "--dislike", "-p", str(profile_file), "--offline"]).exit_code == 0
    assert CliRunner().invoke(app, ["feedback", "2002.08909", "--dislike", "-p", str(profile_file), "--offline"]).exit_code == 0  # the latest word counts
    both = CliRunner().invoke(app, ["feedback", "2002.08909", "--like", "--dislike", "-p", str(profile_file)])
    assert both.exit_code != 0 and "exactly one of --like or --dislike" in str(both.exception)
    ledger = Ledger(load_profile(profile_file).data_dir / "ledger.sqlite")
    assert ledger.feedback("sample") == {"2002.08909": "dislike", "1502.03167": "dislike"}
    ledger.close()


def test_delivery_settings_do_not_recompute_a_day(profile_file):
    assert run_cli("-p", str(profile_file), "--offline").exit_code == 0
    profile_file.write_text('report_url = "https://lab.example.org/{profile}/{date}/"\n' + profile_file.read_text(encoding="utf-8"), encoding="utf-8")
    assert "reused sample 2026-11-20" in run_cli("-p", str(profile_file), "--offline").output
