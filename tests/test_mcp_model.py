"""ask_paper with the profile's reader model (scripted here): the model's answer, its quotes checked against the paper.

In-process (the SDK's Client on the server object): a scripted model cannot cross into a subprocess.
"""

from __future__ import annotations

import anyio
from mcp import Client

from agent.mcp.server import ServerSettings, build_server
from evals.scripted_agents import reader_turns, scripted_registry
from tests.conftest import SAMPLE_DIR
from tests.mcp_client import on_page, sample_profile

QUOTE = "The knowledge retriever and knowledge-augmented encoder are jointly pre-trained on the unsupervised language modeling task."
INVENTED = "REALM is pre-trained on a corpus of ten trillion tokens."


def answer(messages, kwargs):
    return {"found": True, "answer": "They are pre-trained jointly [§3.2, p.4].", "looked_at": ["3.2"],
            "citations": [{"section_id": "3.2", "page": 4, "quote": QUOTE}, {"section_id": "3.3", "page": 4, "quote": INVENTED}]}


def test_ask_paper_with_the_reader_model(tmp_path):
    registry, models = scripted_registry(reader={
        "tools": reader_turns([("search_paper", {"query": "retriever pre-training"}), ("read_section", {"section_id": "3.2"})]),
        "Answer": answer,
    })
    server = build_server(ServerSettings(profile=sample_profile(tmp_path), offline_dir=SAMPLE_DIR), registry=registry)

    async def ask():
        async with Client(server) as client:
            return await client.call_tool("ask_paper", {"paper": "2002.08909v1", "question": "How is the retriever pre-trained?"})

    result = anyio.run(ask)
    assert not result.is_error, result.content
    out = result.structured_content
    assert out["mode"] == "model" and out["answer"].startswith("They are pre-trained jointly")
    assert [c["quote"] for c in out["citations"]] == [QUOTE] and out["dropped_quotes"] == 1  # the invented quote is dropped
    assert on_page(SAMPLE_DIR / "2002.08909v1.pdf", 4, QUOTE)
    assert out["citations"][0]["url"] == "https://arxiv.org/pdf/2002.08909v1#page=4"
    assert models["reader"].kinds()[-1] == "Answer"
