"""The MCP server: the section-aware reader and the daily reports as tools any MCP client can call.

Every tool takes plain strings and returns a typed record (the client gets its JSON schema).
A problem with the input or the outside world comes back as a tool error of one sentence;
nothing a call does can stop the server, and nothing but protocol goes to stdout.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, ValidationError

from agent.config import Profile, load_profile
from agent.llm.registry import LLMRegistry
from agent.mcp import reports
from agent.mcp.links import url_of
from agent.mcp.models import (
    Candidates,
    DailyReport,
    FeedbackResult,
    PaperAnswer,
    PaperInfo,
    Quote,
    SearchHit,
    SearchResults,
    SectionEntry,
    SectionText,
    SectionTree,
    SentenceEntry,
)
from agent.mcp.papers import OpenPaper, PaperShelf, paper_argument
from agent.prompts import PromptLibrary
from agent.run.investigate_session import answer_once
from agent.sources_factory import make_source
from tools.errors import ConfigError, MonitorError
from tools.paper_model import Citation

log = logging.getLogger(__name__)

INSTRUCTIONS = """\
Reads scientific papers section by section with quotes you can check, and serves the daily arXiv reports of
arxiv-monitor profiles. Start with paper_sections to see a paper's own section tree, then read_section or
search_paper; ask_paper answers a question with verbatim citations (section, page, sentence ids, link).
Quote the paper only through the returned quotes. `paper` is an arXiv id (2002.08909 or 2002.08909v1),
an arXiv URL, or a path to a local PDF."""

PaperArg = Annotated[str, Field(description="arXiv id (2002.08909 or 2002.08909v1), arXiv URL (https://arxiv.org/abs/...), or a local PDF path")]
ProfileArg = Annotated[str, Field(description="profile name or path to its TOML file; empty for the server's profile")]
DateArg = Annotated[str, Field(description="the day, YYYY-MM-DD; empty for the latest report")]


@dataclass
class ServerSettings:
    profile: Path
    offline: bool = False
    offline_dir: Path | None = None


class ServerState:
    """What every call shares: the profile, its models, and the papers opened so far."""

    def __init__(self, settings: ServerSettings, registry: LLMRegistry | None = None):
        from agent.cli.common import load_setup  # the same profile, models and offline rules as every command

        self.settings = settings
        setup = load_setup(settings.profile, offline=settings.offline, offline_dir=settings.offline_dir, required=False)
        self.profile, self.registry = setup.profile, registry or setup.registry
        self.has_profile_file = settings.profile.exists()
        self.shelf = PaperShelf(self.profile.data_dir, self.make_source, registry=self.registry,
                                prompts=PromptLibrary(self.profile.prompts), reader=self.profile.reader)
        self._profiles: dict[str, Profile] = {}
        self._lock = threading.Lock()

    def make_source(self):
        # An interactive client would rather hear "unreachable" in seconds than after a minute of retries.
        return make_source(offline=self.settings.offline, offline_dir=self.settings.offline_dir, data_dir=self.profile.data_dir,
                           today=date.today(), max_retries=1)

    def profile_named(self, name: str) -> Profile:
        """The server's profile, another profile by name (a TOML file beside it) or by path."""
        text = name.strip()
        if text in ("", self.profile.name) or (self.has_profile_file and Path(text) == self.settings.profile):
            if not self.has_profile_file:
                raise ConfigError(f"this server was started without a profile ({self.settings.profile} does not exist); "
                                  "start it with --profile PATH/TO/profile.toml")
            return self.profile
        path = Path(text).expanduser() if text.endswith(".toml") else self.settings.profile.parent / f"{text}.toml"
        if not path.is_file():
            raise ConfigError(f"no profile {text!r}: {path} does not exist (this server's profile is {self.profile.name!r})")
        with self._lock:
            if str(path) not in self._profiles:
                self._profiles[str(path)] = load_profile(path)
            return self._profiles[str(path)]


def one_sentence(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if text.endswith((".", "?", "!")) else text + "."


def argument_problem(name: str, exc: ValidationError) -> str:
    """The first bad argument in one sentence (pydantic's own report runs over several lines with a docs link)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "arguments"
    more = f" ({len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
    return f"{name}: argument {where}: {first['msg']}{more}."


class ReaderServer(MCPServer):
    """MCPServer whose argument errors read as one sentence, like every other error of these tools."""

    async def call_tool(self, name, arguments, context=None):
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(argument_problem(name, exc.__cause__)) from exc.__cause__
            raise


def tool_errors(fn):
    """Input and world problems become tool errors the model can read; anything else is logged and reported in one line."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except MonitorError as exc:
            raise ToolError(one_sentence(exc)) from None
        except Exception as exc:  # noqa: BLE001 - one broken paper or call must not take the server down
            log.exception("%s failed", fn.__name__)
            raise ToolError(f"{fn.__name__} failed unexpectedly ({type(exc).__name__}: {one_sentence(exc)}) "
                            "The server keeps running; its log on stderr has the details.") from None
    call.__doc__ = inspect.cleandoc(fn.__doc__ or "")  # the description a client shows its model, without the source's indentation
    return call


# --- records from the paper model ----------------------------------------------------------------


def paper_info(p: OpenPaper) -> PaperInfo:
    return PaperInfo(arxiv_id=p.arxiv_id, title=p.doc.title, source=str(p.source), page_count=p.doc.page_count,
                     structure=p.doc.structure_source)


def quote_of(p: OpenPaper, c: Citation) -> Quote:
    section = p.doc.section(c.section_id)
    return Quote(section_id=c.section_id, section_title=section.title if section else None, page=c.page, quote=c.quote,
                 sentence_ids=list(c.sentence_ids), kind=c.kind, label=c.label, url=url_of(c, p.arxiv_id, p.source, c.page))


def build_server(settings: ServerSettings, registry: LLMRegistry | None = None) -> ReaderServer:
    """The server with its seven tools; `registry` replaces the profile's models (tests script them)."""
    state = ServerState(settings, registry)
    server = ReaderServer("arxiv-monitor", instructions=INSTRUCTIONS, version=_version())

    @server.tool()
    @tool_errors
    def paper_sections(paper: PaperArg) -> SectionTree:
        """The paper's own section tree: id (3, 3.1, A.2, abstract), title, level, pages and a link for each section.

        Use the ids with read_section. Fetching and parsing a paper takes a few seconds the first time; later calls are instant.
        """
        p = state.shelf.open(paper)
        rows = [SectionEntry(id=s.id, title=s.title, level=s.level, parent_id=s.parent_id, kind=s.kind, page_start=s.page_start,
                             page_end=s.page_end, anchor=getattr(s, "anchor", None), url=url_of(s, p.arxiv_id, p.source, s.page_start))
                for s in p.doc.headings()]
        return SectionTree(paper=paper_info(p), sections=rows)

    @server.tool()
    @tool_errors
    def read_section(paper: PaperArg,
                     section_id: Annotated[str, Field(description="a section id from paper_sections, e.g. 3.1 or abstract")],
                     offset: Annotated[int, Field(ge=0, description="first sentence to return (from next_offset)")] = 0,
                     limit: Annotated[int, Field(ge=1, le=400, description="most sentences to return")] = 150) -> SectionText:
        """A section's text as numbered sentences (S12, S13, ...), each with its page and a link to it.

        Quote only sentences marked quotable. A long section comes in parts: call again with offset=next_offset.
        """
        p = state.shelf.open(paper)
        section = p.index.section(section_id)
        everything = [(para, s) for para in section.paragraphs for s in para.sentences]
        shown = everything[offset:offset + limit]
        sentences = [SentenceEntry(id=s.id, text=s.text, page=s.page, kind=para.kind, label=para.label, quotable=s.evidence,
                                   url=url_of(s, p.arxiv_id, p.source, s.page)) for para, s in shown]
        more = offset + limit < len(everything)
        return SectionText(paper=paper_info(p), section_id=section.id, title=section.title, page_start=section.page_start,
                           page_end=section.page_end, url=url_of(section, p.arxiv_id, p.source, section.page_start),
                           sentences=sentences, total_sentences=len(everything), next_offset=offset + limit if more else None)

    @server.tool()
    @tool_errors
    def search_paper(paper: PaperArg,
                     query: Annotated[str, Field(min_length=2, description="words to look for; English terms work best on English papers")],
                     k: Annotated[int, Field(ge=1, le=10, description="how many passages")] = 5) -> SearchResults:
        """Search inside one paper (BM25): the best passages, each with its best sentence quoted verbatim, its section, page and link."""
        p = state.shelf.open(paper)
        hits = [SearchHit(section_id=h.section_id, section_title=h.section_title, page=h.citation.page, quote=h.citation.quote,
                          sentence_ids=list(h.citation.sentence_ids), context=h.text, score=h.score,
                          url=url_of(h.citation, p.arxiv_id, p.source, h.citation.page))
                for h in p.index.search(query, k).hits]
        return SearchResults(paper=paper_info(p), query=query, hits=hits)

    @server.tool()
    @tool_errors
    def ask_paper(paper: PaperArg,
                  question: Annotated[str, Field(min_length=2, description="a question about the paper, in Chinese or English")]) -> PaperAnswer:
        """Answer a question from the paper, citing it: each citation is the paper's exact words with section, page and link.

        With the profile's reader model the answer is written by the model and its quotes are checked against the paper;
        without one (offline) the answer is the best matching passages, labelled as excerpts. found=false means the paper
        does not say.
        """
        p = state.shelf.open(paper)
        turn = answer_once(p.ctx, question, p.as_ref)
        if turn.mode == "error":
            raise ToolError(one_sentence(turn.answer))
        reader = state.registry.describe("reader")
        if state.registry.is_offline("reader") and state.registry.offline_reason:
            reader += f": {state.registry.offline_reason}"
        return PaperAnswer(paper=paper_info(p), question=question, answer=turn.answer, found=turn.found, verified=turn.verified,
                           mode=turn.mode, reader=reader, citations=[quote_of(p, c) for c in turn.citations], dropped_quotes=turn.dropped_citations,
                           looked_at=turn.looked_at)

    @server.tool()
    @tool_errors
    def daily_report(profile: ProfileArg = "", date: DateArg = "") -> DailyReport:
        """A day's arxiv-monitor report for a profile, as Markdown, with the list of papers it covers (score, reason, links).

        Reports are written by `arxiv-monitor run`; other_dates lists the days available.
        """
        return reports.daily_report(state.profile_named(profile), date)

    @server.tool()
    @tool_errors
    def candidates(profile: ProfileArg = "", date: DateArg = "") -> Candidates:
        """Every paper the relevance judge scored on a day, best first, with its 0-10 score, the judge's reason, and whether it was reported."""
        return reports.candidates(state.profile_named(profile), date)

    @server.tool()
    @tool_errors
    def feedback(paper: Annotated[str, Field(description="arXiv id or URL of the paper")],
                 value: Annotated[Literal["like", "dislike"], Field(description="like: the group wants papers like this; dislike: it does not")],
                 profile: ProfileArg = "") -> FeedbackResult:
        """Record that the group liked or disliked a paper; the profile's relevance judge learns from it from the next run on."""
        prof = state.profile_named(profile)
        return reports.record_feedback(prof, paper_argument(paper), value, state.shelf.source)

    return server


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("arxiv-monitor")
    except PackageNotFoundError:
        return "0"

