"""An investigate session: one paper, a checkpointed conversation, and the session commands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from agent.checkpoints import open_checkpointer
from agent.config import Profile
from agent.context import Context
from agent.investigate import InvestigateContext, Turn, question_language
from agent.llm import LLMRegistry
from agent.prompts import PromptLibrary
from agent.report import paper_entry, render_paper_markdown, section_titles
from agent.state import RelevanceVerdict
from agent.validators import section_location
from graphs.investigate import build_investigate_graph
from graphs.paper import build_paper_graph
from tools.arxiv_ids import ArxivId, parse_arxiv_id
from tools.errors import ConfigError, PaperError
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.paper_cache import PaperCache, atomic_write_text
from tools.paper_model import PaperDocument
from tools.reader_tools import SearchResult, SectionText


class _OnePaperSource:
    """The session's paper, for the per-paper subgraph behind /report."""

    offline = True

    def __init__(self, pdf: Path):
        self.pdf = pdf

    def announcements(self, categories, day=None):
        raise PaperError("a session reads one paper; there are no announcements")

    def lookup(self, ids):
        return {}

    def fetch_pdf(self, paper: ArxivId) -> Path:
        return self.pdf


@dataclass
class PaperRef:
    """How a session reopens its paper."""

    source: str  # PDF path
    arxiv_id: str | None
    title: str

    def as_dict(self) -> dict:
        return {"source": self.source, "arxiv_id": self.arxiv_id, "title": self.title}


class InvestigateSession:
    def __init__(self, doc: PaperDocument, ref: PaperRef, *, profile: Profile, registry: LLMRegistry, prompts: PromptLibrary,
                 session: str | None, data_dir: Path):
        self.doc, self.ref, self.profile, self.registry, self.prompts = doc, ref, profile, registry, prompts
        self.data_dir = data_dir
        if session:
            self.checkpointer = open_checkpointer(data_dir / "checkpoints.sqlite")
            self.thread = f"investigate:{session}"
        else:
            self.checkpointer = InMemorySaver()
            self.thread = f"investigate:{uuid.uuid4().hex}"
        self.graph = build_investigate_graph(self.checkpointer)
        self.ctx = InvestigateContext(llm=registry, prompts=prompts, doc=doc, reader=profile.reader)
        self.index = self.ctx.index

    @property
    def config(self) -> dict:
        return {"configurable": {"thread_id": self.thread}, "recursion_limit": 60}

    @staticmethod
    def stored_paper(data_dir: Path, session: str) -> dict | None:
        """The paper a saved session was about, if the session exists."""
        saver = open_checkpointer(data_dir / "checkpoints.sqlite")
        try:
            graph = build_investigate_graph(saver)
            values = graph.get_state({"configurable": {"thread_id": f"investigate:{session}"}}).values
            return values.get("paper")
        finally:
            saver.conn.close()

    def turns(self) -> list[Turn]:
        return list(self.graph.get_state(self.config).values.get("turns", []))

    def ask(self, question: str) -> Turn:
        if not question.strip():
            raise ConfigError("the question is empty")
        out = self.graph.invoke({"question": question, "paper": self.ref.as_dict()}, self.config, context=self.ctx)
        return out["turns"][-1]

    # --- commands ---------------------------------------------------------------------

    def read(self, section_id: str, max_tokens: int = 100_000) -> SectionText:
        return self.index.read_section(section_id, max_tokens)

    def find(self, words: str, k: int = 5) -> SearchResult:
        if not words.strip():
            raise ConfigError("/find needs words to look for")
        return self.index.search(words, k)

    def report(self) -> str:
        """The full six-part analysis with self-check, as in the daily report."""
        if self.ref.arxiv_id:
            pid = parse_arxiv_id(self.ref.arxiv_id)
            base, version = pid.base, pid.version or 1
        else:
            base, version = f"local-{Path(self.ref.source).stem}", 1
        meta = PaperMeta(arxiv_id=base, version=version, title=self.doc.title, abstract=self.doc.abstract)
        verdict = RelevanceVerdict(arxiv_id=meta.versioned_id, score=10, relevant=True, reason="用户在会话中指定研究的论文", stage="llm")
        ledger = Ledger(":memory:")
        ledger.observe(self.profile.name, [meta], date.today())
        ctx = Context(profile=self.profile, llm=self.registry, source=_OnePaperSource(Path(self.ref.source)), ledger=ledger,
                      papers=PaperCache(self.data_dir / "papers"), prompts=self.prompts)
        try:
            result = build_paper_graph().invoke({"paper": meta, "verdict": verdict}, context=ctx)["results"][0]
        finally:
            ledger.close()
        if result.status == "failed":
            raise PaperError(result.failure or "the paper could not be read")
        return render_paper_markdown(paper_entry(result, section_titles(self.doc)), self.profile.language)

    def conversation_markdown(self) -> str:
        lines = [f"# {self.doc.title}", ""]
        if self.ref.arxiv_id:
            lines += [f"arXiv: https://arxiv.org/abs/{self.ref.arxiv_id}", ""]
        for i, t in enumerate(self.turns(), 1):
            zh = question_language(t.question) == "zh"
            lines += [f"## {i}. {'问' if zh else 'Q'}：{t.question}", "", t.answer, ""]
            if t.citations:
                lines.append("**引用**" if zh else "**Citations**")
                for c in t.citations:
                    section = self.doc.section(c.section_id)
                    label = section_location(section, c.page, "zh" if zh else "en") if section else f"§{c.section_id}, p.{c.page}"
                    lines.append(f"- {label}：“{c.quote}”")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def save(self, path: Path) -> Path:
        atomic_write_text(path, self.conversation_markdown())
        return path

    def close(self) -> None:
        conn = getattr(self.checkpointer, "conn", None)
        if conn is not None:
            conn.close()
