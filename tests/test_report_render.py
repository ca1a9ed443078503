"""Text from feeds and papers cannot break the Markdown or inject HTML."""

from agent.publish.render import md_escape, render_html, render_markdown

EVIL = "<script>alert(1)</script> *bold* [link](http://x) # heading"


def report_with(title: str) -> dict:
    paper = {
        "arxiv_id": "2501.00001v1", "title": title, "authors": ["A <b>B</b>"], "categories": ["cs.CL"], "primary_category": "cs.CL",
        "announce_type": "new", "abs_url": "https://arxiv.org/abs/2501.00001v1", "pdf_url": "https://arxiv.org/pdf/2501.00001v1",
        "abstract": title, "comment": None, "journal_ref": None, "doi": None,
        "relevance": {"score": 7.0, "relevant": True, "matched_topics": ["x"], "reason": title, "stage": "llm"},
        "analysis": {
            **{k: {"text": title, "citations": []} for k in ("summary", "motivation", "method", "experiments")},
            "contributions": [{"text": title, "citations": []}],
            "future": {"author_limitations": [], "inferred_limitations": [title], "suggestions": []},
        },
        "citations": [{"section_id": "3.1", "page": 4, "quote": title, "section_title": "Method", "sentence_ids": ["S1"], "kind": "text", "label": None}],
        "self_check": {"passed": True, "revisions": 0, "critic_used": True, "unresolved": [], "quotes_total": 1, "quotes_verified": 1, "role_fit": 1,
                       "claims": [{"claim": "C1", "part": "summary", "verdict": "partial", "reason": title, "removed": False}],
                       "claims_supported": 0, "claims_partial": 1, "claims_removed": 0, "support_rate": 0.0},
        "writer_mode": "model",
        "reading": {},
    }
    return {
        "date": "2026-11-20", "generated_at": None,
        "profile": {"name": "p", "categories": ["cs.CL"], "keywords": [{"term": "rag", "synonyms": [], "acronyms": []}], "relevance_threshold": 5, "language": "zh"},
        "mode": {"offline": False, "offline_roles": [], "reason": None, "reason_zh": None, "models": {"judge": "m"}, "backfill": False, "fallbacks": 0, "excerpt_papers": 0, "unchecked_papers": 0},
        "feed_problems": [title], "delivery_failures": [{"day": "2026-11-19", "channel": title, "error": title}],
        "counts": {"announced": 1, "candidates": 1, "judged": 1, "relevant": 1, "pdfs_fetched": 1, "reported": 1, "excluded": 0, "updates": 0,
                   "failures": 0, "already_reported": 0, "not_followed": 0, "by_category": {}},
        "papers": [paper], "excluded": [{"arxiv_id": "x", "title": title, "score": 0, "stage": "lexical", "reason": title}],
        "updates": [], "failures": [], "skipped": {},
        "run": {"prompts": {"judge": {"variant": "default", "sha256": "abc"}}, "usage": {}, "sources": [], "degraded": []},
    }


def test_html_is_escaped():
    html = render_html(report_with(EVIL))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert html.count("<script") == 1  # only the page's own feedback script
    assert "<b>B</b>" not in html


def test_markdown_is_escaped():
    md = render_markdown(report_with(EVIL))
    assert "<script>" not in md and "\\<script\\>" in md
    assert "\\*bold\\*" in md and "\\[link\\]" in md
    assert "\n# heading" not in md


def test_md_escape_neutralises_line_starts():
    assert md_escape("# not a heading") == "\\# not a heading"
    assert md_escape("1. not a list") == "1\\. not a list"
    assert md_escape("two\nlines") == "two lines"


def test_who_decided_the_kind_is_named_in_both_renderings():
    report = report_with("A paper")
    paper = report["papers"][0]
    for decided_by, zh in (("rules", "规则判断"), ("classifier", "文本分类器判断"), ("model", "模型判断")):
        paper.update({"kind": "theory", "kind_evidence": ["证据"], "kind_decided_by": decided_by,
                      "kind_name": {"zh": "理论论文", "en": "theory paper"}})
        assert f"理论论文（{zh}；依据：证据）" in render_markdown(report)
        assert f"理论论文（{zh}；依据：证据）" in render_html(report)
