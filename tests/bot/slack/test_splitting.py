"""bot.slack.splitting: a long post becomes messages within Slack's limits."""

from __future__ import annotations

from bot.slack.ids import MAX_SECTION_TEXT
from bot.slack.splitting import plan_parts, split_text


def test_split_text_prefers_paragraphs_then_lines():
    paragraph = "word " * 500  # 2,500 characters
    pieces = split_text(f"{paragraph}\n\n{paragraph}\nline\n\n{paragraph}")
    assert all(len(p) <= MAX_SECTION_TEXT for p in pieces)
    assert pieces[0] == paragraph
    assert pieces[1] == f"{paragraph}\nline"


def test_split_text_cuts_a_word_only_when_it_must():
    pieces = split_text("x" * 7_000)
    assert [len(p) for p in pieces] == [3_000, 3_000, 1_000]


def test_short_text_stays_a_plain_message():
    [part] = plan_parts("hello")
    assert (part.text, part.blocks) == ("hello", None)


def test_many_caller_blocks_are_spread_over_messages():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"b{i}"}} for i in range(60)]
    parts = plan_parts("sixty blocks", blocks)
    assert [len(p.blocks or []) for p in parts] == [50, 10]
    assert parts[0].text == "sixty blocks"
