"""`arxiv-monitor mcp` over stdio, driven by the MCP SDK's own client as Claude Desktop or Cursor would drive it.

One server process answers the whole session (as a client keeps it); the tests below check what it said.
Papers: the bundled sample day (samples/offline, which the reader was tuned on) and, as local files, papers the
reader was not tuned on (tests/fixtures/papers: PaSa and Ray, splits `unseen` and `fresh`; the HotOS paper, `fresh-2`).
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.conftest import FIXTURES, SAMPLE_DIR
from tests.mcp_client import arxiv_monitor, on_page, sample_profile, server_params
from tools.ledger import Ledger

TOOLS = {"paper_sections", "read_section", "search_paper", "ask_paper", "daily_report", "candidates", "feedback"}
REALM = SAMPLE_DIR / "2002.08909v1.pdf"
# Bundled papers the ask test covers: (paper as the client names it, the PDF it must quote, a question).
ASKED = [
    ("2002.08909v1", REALM, "How is the knowledge retriever pre-trained?"),
    ("https://arxiv.org/abs/2005.11401", SAMPLE_DIR / "2005.11401v4.pdf", "Which datasets is RAG evaluated on?"),
    (str(FIXTURES / "papers" / "2501.10120v1.pdf"), FIXTURES / "papers" / "2501.10120v1.pdf", "How is the crawler agent trained?"),
    (str(FIXTURES / "papers" / "1712.05889v2.pdf"), FIXTURES / "papers" / "1712.05889v2.pdf", "实验结果如何？"),
]


def result(r) -> dict:
    """A tool result as the tests read it: the structured content, or the error text."""
    if r.is_error:
        return {"error": r.content[0].text}
    return r.structured_content


async def _session(profile: Path, tmp: Path) -> dict:
    seen: dict = {"calls": {}}
    async with Client(server_params(tmp, "--profile", str(profile), "--offline")) as client:
        seen["tools"] = (await client.list_tools()).tools

        async def call(key, name, **args):
            seen["calls"][key] = result(await client.call_tool(name, args))
            return seen["calls"][key]

        await call("sections", "paper_sections", paper="2002.08909v1")
        await call("sections_local", "paper_sections", paper=str(FIXTURES / "papers" / "hotos17-baumann.pdf"))
        await call("read", "read_section", paper="2002.08909", section_id="3.2", limit=5)
        await call("read_more", "read_section", paper="arXiv:2002.08909v1", section_id="3.2", offset=5, limit=400)
        await call("search", "search_paper", paper="https://arxiv.org/pdf/2002.08909v1", query="asynchronous MIPS index refresh", k=3)
        for i, (paper, _, question) in enumerate(ASKED):
            await call(f"ask{i}", "ask_paper", paper=paper, question=question)
        await call("report", "daily_report")
        await call("report_named", "daily_report", profile="sample", date="2026-11-20")
        await call("candidates", "candidates", profile=str(profile), date="2026-11-20")
        await call("like", "feedback", paper="2002.08909v1", value="like")
        await call("dislike", "feedback", paper="https://arxiv.org/abs/1512.03385", value="dislike", profile="sample")
        for key, name, args in [
            ("bad_id", "ask_paper", {"paper": "not-an-id", "question": "What is this?"}),
            ("missing", "paper_sections", {"paper": "2999.99999"}),
            ("no_file", "paper_sections", {"paper": str(tmp / "nowhere.pdf")}),
            ("other_host", "paper_sections", {"paper": "https://example.org/paper.pdf"}),
            ("bad_section", "read_section", {"paper": "2002.08909v1", "section_id": "9.9"}),
            ("bad_date", "daily_report", {"date": "20th of November"}),
            ("no_report", "candidates", {"date": "2026-11-21"}),
            ("bad_profile", "daily_report", {"profile": "nobody"}),
            ("bad_value", "feedback", {"paper": "2002.08909v1", "value": "meh"}),
            ("not_a_pdf", "paper_sections", {"paper": str(FIXTURES / "report-sample.json")}),
            ("damaged", "daily_report", {"date": "2026-11-18"}),
            ("not_a_report", "candidates", {"date": "2026-11-19"}),
        ]:
            await call(key, name, **args)
        # A client that keeps the server for a day: a hundred calls, good and bad, in one session.
        survived = []
        for i in range(100):
            name, args = [("paper_sections", {"paper": "2002.08909v1"}), ("ask_paper", {"paper": "2999.0000%d" % (i % 10), "question": "q?"}),
                          ("search_paper", {"paper": "2002.08909v1", "query": "open-domain question answering"}),
                          ("read_section", {"paper": "2002.08909v1", "section_id": "nope"})][i % 4]
            survived.append(result(await client.call_tool(name, args)))
        seen["hundred"] = survived
        seen["after"] = result(await client.call_tool("ask_paper", {"paper": "2002.08909v1", "question": "What is REALM?"}))
    return seen


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mcp")
    profile = sample_profile(tmp)
    for day, text in [("2026-11-18", "{broken"), ("2026-11-19", "[]")]:  # a damaged file, and JSON that is no report
        (tmp / "reports" / "sample" / day).mkdir()
        (tmp / "reports" / "sample" / day / "report.json").write_text(text, encoding="utf-8")
    seen = anyio.run(_session, profile, tmp)
    seen["profile"], seen["tmp"] = profile, tmp
    return seen


def test_lists_the_tools_with_schemas_and_descriptions(session):
    tools = {t.name: t for t in session["tools"]}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert len(t.description or "") > 60, t.name  # a model chooses tools by these
        assert t.output_schema and t.output_schema.get("type") == "object", t.name
    assert tools["read_section"].input_schema["required"] == ["paper", "section_id"]
    assert tools["feedback"].input_schema["properties"]["value"]["enum"] == ["like", "dislike"]
    assert "arXiv id" in tools["ask_paper"].input_schema["properties"]["paper"]["description"]


def test_section_tree_with_links(session):
    tree = session["calls"]["sections"]
    assert tree["paper"]["arxiv_id"] == "2002.08909v1"
    by_id = {s["id"]: s for s in tree["sections"]}
    assert {"abstract", "1", "3", "3.2", "4.5"} <= set(by_id)
    assert by_id["3.2"]["parent_id"] == "3" and by_id["3.2"]["level"] == 2
    assert by_id["3.2"]["url"] == f"https://arxiv.org/pdf/2002.08909v1#page={by_id['3.2']['page_start']}"
    local = session["calls"]["sections_local"]
    assert local["paper"]["arxiv_id"] is None and local["sections"]
    assert all(s["url"].startswith("file:///") and s["url"].endswith(f"#page={s['page_start']}") for s in local["sections"])


def test_read_section_gives_sentences_with_ids_pages_and_links(session):
    first, rest = session["calls"]["read"], session["calls"]["read_more"]
    assert first["section_id"] == "3.2" and first["next_offset"] == 5 and len(first["sentences"]) == 5
    assert rest["next_offset"] is None and len(rest["sentences"]) == first["total_sentences"] - 5
    ids = [int(s["id"][1:]) for s in first["sentences"] + rest["sentences"]]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # the whole section, in order, nothing twice
    quotable = []
    for s in first["sentences"] + rest["sentences"]:
        assert first["page_start"] <= s["page"] <= first["page_end"]
        assert s["url"] == f"https://arxiv.org/pdf/2002.08909v1#page={s['page']}"
        if s["quotable"]:
            quotable.append(s)
    # Prose stands on its page as printed; an equation's symbols come out of the PDF in another order (S88).
    off_page = [s["id"] for s in quotable if not on_page(REALM, s["page"], s["text"])]
    assert len(quotable) >= 10 and len(off_page) <= len(quotable) // 10, off_page


def test_search_hits_are_quoted_verbatim(session):
    hits = session["calls"]["search"]["hits"]
    assert hits and {h["section_id"] for h in hits} & {"3.3", "4.5"}
    for h in hits:
        assert h["quote"] in h["context"] and h["sentence_ids"]
        assert on_page(REALM, h["page"], h["quote"]), h
        assert h["url"].endswith(f"#page={h['page']}")


@pytest.mark.parametrize("i", range(len(ASKED)))
def test_ask_paper_quotes_stand_on_the_cited_page(session, i):
    paper, pdf, question = ASKED[i]
    answer = session["calls"][f"ask{i}"]
    assert "error" not in answer, answer
    assert answer["mode"] == "retrieval" and answer["reader"].startswith("offline")  # --offline: says there was no model
    assert answer["citations"], answer
    for c in answer["citations"]:
        assert on_page(pdf, c["page"], c["quote"]), c
        assert c["sentence_ids"] and c["url"].endswith(f"#page={c['page']}")
        assert c["quote"][:40] in answer["answer"]  # the excerpts shown are the ones cited


def test_daily_report_and_candidates(session):
    report = session["calls"]["report"]
    assert report == session["calls"]["report_named"]
    assert report["date"] == "2026-11-20" and report["profile"] == "sample"
    sample = json.loads((FIXTURES / "report-sample.json").read_text(encoding="utf-8"))
    assert [p["arxiv_id"] for p in report["papers"]] == [p["arxiv_id"] for p in sample["papers"]]
    assert report["markdown"] == (session["tmp"] / "reports" / "sample" / "2026-11-20" / "report.md").read_text(encoding="utf-8")
    assert all(p["title"] in report["markdown"] for p in sample["papers"])
    assert all(p["citations"] > 0 and p["score"] is not None for p in report["papers"])
    cands = session["calls"]["candidates"]["candidates"]
    assert len(cands) == len(sample["papers"]) + len(sample["excluded"])
    assert [c["score"] for c in cands] == sorted((c["score"] for c in cands), reverse=True)
    assert {c["arxiv_id"] for c in cands if c["selected"]} == {p["arxiv_id"] for p in sample["papers"]}
    assert all(c["reason"] for c in cands)


def test_feedback_lands_in_the_ledger(session):
    like = session["calls"]["like"]
    assert like["title"].startswith("REALM") and like["arxiv_id"] == "2002.08909"
    assert session["calls"]["dislike"]["arxiv_id"] == "1512.03385"
    ledger = Ledger(session["tmp"] / "data" / "ledger.sqlite")
    try:
        assert ledger.feedback("sample") == {"2002.08909": "like", "1512.03385": "dislike"}
    finally:
        ledger.close()


@pytest.mark.parametrize("key, words", [
    ("bad_id", "not an arXiv id: 'not-an-id'"),
    ("missing", "2999.99999: no HTML page or PDF in the offline directory"),
    ("no_file", "nowhere.pdf: file not found"),
    ("other_host", "is not an arXiv URL"),
    ("bad_section", "no section '9.9' in this paper"),
    ("bad_date", "is not a day like 2026-11-20"),
    ("no_report", "has no report for 2026-11-21 (days with a report: 2026-11-20, 2026-11-19, 2026-11-18)"),
    ("bad_profile", "no profile 'nobody'"),
    ("bad_value", "feedback: argument value: Input should be 'like' or 'dislike'."),
    ("not_a_pdf", "report-sample.json"),
    ("damaged", "2026-11-18/report.json cannot be read (Expecting property name"),
    ("not_a_report", "2026-11-19/report.json is not an arxiv-monitor report"),
])
def test_bad_input_is_a_one_line_tool_error(session, key, words):
    error = session["calls"][key].get("error")
    assert error is not None and words in error, session["calls"][key]
    assert "\n" not in error and "Traceback" not in error


def test_survives_a_hundred_calls(session):
    hundred = session["hundred"]
    assert len(hundred) == 100
    assert sum("error" in r for r in hundred) == 50  # every bad call failed alone; every good one answered
    assert all(r["paper"]["arxiv_id"] == "2002.08909v1" for r in hundred if "error" not in r)
    assert session["after"]["citations"]


def test_stdout_is_only_protocol(tmp_path):
    """A handshake-era client (as Claude Desktop) on raw stdio: every line the server writes is a JSON-RPC message."""
    profile = sample_profile(tmp_path)
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "paper_sections", "arguments": {"paper": "2007.01282v2"}}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ask_paper", "arguments": {"paper": "bad", "question": "why?"}}},
    ]
    proc = subprocess.Popen([arxiv_monitor(), "-vv", "mcp", "--offline", "--profile", str(profile)], cwd=tmp_path, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    watchdog = threading.Timer(120, proc.kill)
    watchdog.start()
    try:
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        proc.stdin.flush()
        lines: list[str] = []
        replies: dict = {}
        while set(replies) != {1, 2, 3} and (line := proc.stdout.readline()):  # stdin stays open, as a client keeps it
            lines.append(line)
            message = json.loads(line)
            assert message["jsonrpc"] == "2.0", line
            if "id" in message:
                replies[message["id"]] = message
        proc.stdin.close()  # the client goes away: the server ends, writing nothing more
        rest = proc.stdout.read()
        stderr = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
    finally:
        watchdog.cancel()
        proc.kill()
    assert set(replies) == {1, 2, 3}, lines
    assert rest.strip() == ""
    assert replies[2]["result"]["structuredContent"]["paper"]["arxiv_id"] == "2007.01282v2"
    assert replies[3]["result"]["isError"] is True
    assert "opening 2007.01282v2" in stderr  # -vv: the log went to stderr, not into the protocol
