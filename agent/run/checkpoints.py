"""SQLite checkpoints, with deserialisation limited to the types our state holds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agent import state as st
from agent.config import Keyword
from agent.investigate import Answer, CitedQuote, Turn
from agent.reading.reader import DraftNote, NotesDraft
from tools.feeds import PaperMeta
from tools.ledger import UpdateEntry, unreadable_database
from tools.paper_model import Citation
from tools.reader_tools import CaptionResult, Evidence, SearchResult, SectionListing, SectionSummary, SectionText

STATE_TYPES = [
    PaperMeta, UpdateEntry, Citation, Keyword, DraftNote, NotesDraft,
    st.RelevanceVerdict, st.Excluded, st.Note, st.CitedText, st.FuturePart, st.PaperAnalysis, st.Finding,
    st.CheckReport, st.ReadingStats, st.PaperResult, st.KindVerdict,
    Evidence, SectionSummary, SectionListing, SectionText, SearchResult, CaptionResult,
    Turn, Answer, CitedQuote,
]


def serializer() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=STATE_TYPES)


def open_checkpointer(path: Path) -> SqliteSaver:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False)
    except sqlite3.DatabaseError as exc:
        raise unreadable_database(path, exc) from None
    saver = SqliteSaver(conn, serde=serializer())
    try:
        saver.setup()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise unreadable_database(path, exc) from None
    return saver
