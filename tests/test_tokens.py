from tools.tokens import count_tokens, encoding, truncate_to_tokens


def test_counts_match_the_official_cl100k_encoding():
    # Known cl100k_base ids: "hello world" -> [15339, 1917]
    assert encoding().encode("hello world") == [15339, 1917]
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0


def test_chinese_text_counts_tokens_not_characters():
    n = count_tokens("论文提出了一种新的检索增强方法")
    assert 5 < n < 30


def test_special_tokens_in_paper_text_do_not_crash():
    assert count_tokens("the string <|endoftext|> appears in a paper") > 5


def test_truncate_respects_budget_and_reports_cut():
    text = "retrieval augmented generation " * 50
    cut, was_cut = truncate_to_tokens(text, 10)
    assert was_cut and count_tokens(cut) <= 10 and text.startswith(cut)
    same, was_cut = truncate_to_tokens("short", 10)
    assert same == "short" and not was_cut


def test_truncate_never_splits_a_character():
    cut, _ = truncate_to_tokens("检索增强生成模型在开放域问答中表现优异", 5)
    cut.encode("utf-8")  # would raise on a broken surrogate
    assert "\ufffd" not in cut
