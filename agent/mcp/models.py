"""What the MCP tools return: typed records, so a client gets a JSON schema for every result."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PaperInfo(BaseModel):
    """Which paper a result is about."""

    arxiv_id: str | None = Field(description="arXiv id with version, e.g. 2002.08909v1; null for a local file without one")
    title: str
    source: str = Field(description="the file the text was read from")
    page_count: int
    structure: Literal["outline", "layout"] | str = Field(description="where the section tree came from: the PDF outline, or the page layout")


class SectionEntry(BaseModel):
    id: str = Field(description="the paper's own section id (3, 3.1, A.2, abstract); pass it to read_section")
    title: str
    level: int = Field(description="1 for a top-level section, 2 for a subsection, ...")
    parent_id: str | None
    kind: str = Field(description="abstract, body, appendix, references, acknowledgments")
    page_start: int
    page_end: int
    anchor: str | None = Field(default=None, description="the section's anchor in the HTML version, when the paper was read from HTML")
    url: str | None = Field(description="a link to where the section starts")


class SectionTree(BaseModel):
    paper: PaperInfo
    sections: list[SectionEntry]


class SentenceEntry(BaseModel):
    id: str = Field(description="the sentence's id in this paper (S1, S2, ... in reading order)")
    text: str
    page: int
    kind: str = Field(description="text, caption, reference or footnote")
    label: str | None = Field(default=None, description="Figure 3 / Table 2 for a caption")
    quotable: bool = Field(description="false for fragments (a sentence cut by a page break, a contents line): do not quote those")
    url: str | None


class SectionText(BaseModel):
    paper: PaperInfo
    section_id: str
    title: str
    page_start: int
    page_end: int
    url: str | None
    sentences: list[SentenceEntry]
    total_sentences: int
    next_offset: int | None = Field(description="pass as offset to read the rest of a long section; null when this is the end")


class SearchHit(BaseModel):
    section_id: str
    section_title: str
    page: int | None = Field(description="the PDF page; null for a paper read from HTML, which has no pages")
    quote: str = Field(description="the best matching sentence(s), verbatim")
    sentence_ids: list[str]
    context: str = Field(description="the whole paragraph the quote stands in")
    score: float | None = Field(description="BM25 relevance, higher is better")
    url: str | None


class SearchResults(BaseModel):
    paper: PaperInfo
    query: str
    hits: list[SearchHit]


class Quote(BaseModel):
    section_id: str
    section_title: str | None
    page: int | None = Field(description="the PDF page; null for a paper read from HTML, which has no pages")
    quote: str = Field(description="the paper's exact words")
    sentence_ids: list[str]
    kind: str = Field(description="text, or caption for a figure or table caption")
    label: str | None
    url: str | None


class PaperAnswer(BaseModel):
    paper: PaperInfo
    question: str
    answer: str = Field(description="in the question's language; cites sections like (见第3.1节, 第4页) or [§3.1, p.4]")
    found: bool = Field(description="false when the paper does not hold the answer")
    verified: bool = Field(description="every quote below was found verbatim in the paper")
    mode: Literal["model", "retrieval"] = Field(description="model: written by the profile's reader model; retrieval: offline, the best passages")
    reader: str = Field(description="which model answered, or why none did")
    citations: list[Quote]
    dropped_quotes: int = Field(description="quotes the model gave that the paper does not bear out, removed from citations")
    looked_at: list[str] = Field(description="section ids consulted")


class ReportPaper(BaseModel):
    arxiv_id: str
    title: str
    score: float | None
    reason: str | None
    abs_url: str | None
    pdf_url: str | None
    citations: int = Field(description="how many quotes the report's analysis of this paper cites")


class DailyReport(BaseModel):
    profile: str
    date: str
    markdown: str = Field(description="the whole report as Markdown, in the profile's language")
    papers: list[ReportPaper]
    other_dates: list[str] = Field(description="other days with a report for this profile, newest first (at most 30)")


class Candidate(BaseModel):
    arxiv_id: str
    title: str
    score: float | None = Field(description="relevance, 0-10")
    stage: str | None = Field(description="which judge decided: lexical, semantic or model")
    reason: str | None
    selected: bool = Field(description="true when the paper went into the report")


class Candidates(BaseModel):
    profile: str
    date: str
    threshold: float | None = Field(description="the profile's relevance threshold")
    judge_only: bool = Field(description="true when the day was only judged (run --judge-only), not read and written up")
    candidates: list[Candidate]


class FeedbackResult(BaseModel):
    profile: str
    arxiv_id: str
    value: Literal["like", "dislike"]
    title: str | None
    message: str
