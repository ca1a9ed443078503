"""An investigate session: one paper, a checkpointed conversation, and the session commands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from agent.config import Profile
from agent.investigate import InvestigateContext, Turn, question_language
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from agent.publish.render import render_paper_markdown
from agent.publish.report import paper_entry
from agent.run.checkpoints import open_checkpointer
from agent.run.paper_run import OnePaperSource, one_paper_context, run_paper
from agent.writing.validators import section_location
from graphs.investigate import build_investigate_graph
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError, PaperError
from tools.feeds import PaperMeta
from tools.paper_cache import PaperCache, atomic_write_text
from tools.paper_model import PaperDocument
from tools.reader_tools import SearchResult, SectionText


@cache
def _stateless_graph():
    return build_investigate_graph()


def answer_once(ctx: InvestigateContext, question: str, paper: dict) -> Turn:
    """One question, no conversation kept (the eval harness asks each question fresh)."""
    return _stateless_graph().invoke({"question": question, "paper": paper}, context=ctx)["turns"][-1]


@dataclass
class PaperRef:
    """How a session reopens its paper."""

    source: str  # PDF path
    arxiv_id: str | None
    title: str
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"source": self.source, "arxiv_id": self.arxiv_id, "title": self.title, "authors": self.authors, "categories": self.categories}


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
        meta = PaperMeta(arxiv_id=base, version=version, title=self.ref.title or self.doc.title, abstract=self.doc.abstract,
                         authors=self.ref.authors, categories=self.ref.categories,
                         primary_category=self.ref.categories[0] if self.ref.categories else "")
        ctx = one_paper_context(self.profile, self.registry, self.prompts, source=OnePaperSource(Path(self.ref.source)),
                                papers=PaperCache(self.data_dir / "papers"))
        try:
            result = run_paper(ctx, meta)
        finally:
            ctx.ledger.close()
        if result.status == "failed":
            raise PaperError(result.failure or "the paper could not be read")
        return render_paper_markdown(paper_entry(result, self.doc), self.profile.language)

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
                    label = section_location(section, c.page, "zh" if zh else "en") if section else f"§{c.section_id}" + (f", p.{c.page}" if c.page else "")
                    lines.append(f"- [{label}]({c.url})：“{c.quote}”" if c.url else f"- {label}：“{c.quote}”")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"

    def save(self, path: Path) -> Path:
        atomic_write_text(path, self.conversation_markdown())
        return path

    def close(self) -> None:
        conn = getattr(self.checkpointer, "conn", None)
        if conn is not None:
            conn.close()
