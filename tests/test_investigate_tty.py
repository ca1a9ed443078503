"""The interactive session as a user meets it: a real terminal (pty), typed questions and commands."""

import os
import re
import sys

import pytest

pexpect = pytest.importorskip("pexpect")

PROMPT = "问> "


def spawn(args, cwd):
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm", "COLUMNS": "160", "LINES": "50"}
    child = pexpect.spawn(sys.executable, ["-m", "agent", "investigate", *args], cwd=str(cwd), env=env, encoding="utf-8", timeout=60)
    child.setwinsize(50, 160)
    return child


def test_interactive_session_in_a_terminal(tmp_path):
    child = spawn(["2002.08909v1", "--offline", "--session", "tty"], tmp_path)
    child.expect("REALM: Retrieval-Augmented Language Model Pre-Training")
    child.expect("离线检索模式")
    child.expect(PROMPT)

    child.sendline("/sections")
    child.expect(r"3\.2 \| Model architecture")
    child.expect(PROMPT)

    child.sendline("/read 3.2")
    child.expect("We now describe the two key components")
    child.expect(PROMPT)

    child.sendline("/find salient span masking")
    child.expect(r"\[§3\.4, p\.5\]")
    child.expect(PROMPT)

    child.sendline("How does REALM pre-train the knowledge retriever?")
    child.expect("excerpts")
    child.expect(PROMPT)
    answer = " ".join(child.before.split())
    assert re.search(r"\(see Section [\w.]+, p\. \d+\)", answer)
    first_quote = re.search(r"“([^”]{30})", answer).group(1)
    assert answer.count(first_quote) == 1  # each quote printed once

    child.sendline("/quotes")
    child.expect(r"\[1\] §[\w.]+ p\.\d+: “")
    child.expect(PROMPT)

    child.sendline("/read 9.9")
    child.expect(r"error: no section '9\.9'")
    child.expect(PROMPT)  # the session goes on after a bad command

    child.sendline("这篇论文在哪些数据集上做了实验？")
    child.expect("检索摘录")
    child.expect(PROMPT)

    child.sendline("/save notes.md")
    child.expect("saved 2 question")
    child.expect(PROMPT)

    child.sendline("/report")
    child.expect("论文概要")
    child.expect("改进建议和未来研究方向")
    child.expect(PROMPT)

    child.sendline("/quit")
    child.expect("resume with: arxiv-monitor investigate --session tty")
    child.expect(pexpect.EOF)
    notes = (tmp_path / "notes.md").read_text(encoding="utf-8")
    assert "## 1. Q：How does REALM pre-train the knowledge retriever?" in notes
    assert "## 2. 问：这篇论文在哪些数据集上做了实验？" in notes

    # Coming back later: the session remembers its paper and its questions.
    again = spawn(["--session", "tty", "--offline"], tmp_path)
    again.expect("REALM")
    again.expect("resumed: 2 earlier question")
    again.expect(PROMPT)
    again.sendeof()
    again.expect(pexpect.EOF)
