"""The fast read-only loader gives ruamel's YAML 1.2 reading, or steps aside.

``fast_yaml.fast_load_all`` answers with libyaml only where its YAML 1.1 reading cannot differ
from ruamel's YAML 1.2 one. Checked on every YAML file of the repository (templates, manifests,
the tests' catalog files and fixtures), on generated catalog files holding each edge case, and
on drawn scalars: whenever the fast path answers, the answer equals ruamel's, types included
(``True`` is not ``1``). The fast path must also actually answer for ordinary files, or the
loader would be right and useless.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.error import YAMLError

from pagerduty_actions.fast_yaml import check_budget, fast_load_all, load_all, ruamel_load_all
from pagerduty_actions.yaml_budget import YamlBudgetError, check_yaml_budget

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted(
    path
    for folder in ("templates", "actions", "tests")
    for pattern in ("*.yaml", "*.yml")
    for path in (ROOT / folder).rglob(pattern)
    if "node_modules" not in path.parts
)


def typed(value: Any) -> Any:
    """The data with every scalar's type kept, so 1, 1.0 and True compare different."""
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, repr(value))


def ruamel_reading(text: str) -> Any:
    try:
        return typed(ruamel_load_all(text))
    except (YAMLError, YamlBudgetError) as exc:
        return ("refused", type(exc).__name__)
    except ValueError:
        # ruamel's int pattern takes words such as "-_" and then fails to convert them: the
        # reference crashes where YAML 1.2 reads a string, as libyaml's path does
        return ("ruamel crashed",)


def loaded(text: str) -> Any:
    """What ``load_all`` gives, typed, or how it refuses."""
    try:
        return typed(load_all(text))
    except (YAMLError, YamlBudgetError) as exc:
        return ("refused", type(exc).__name__)


def assert_same_reading(text: str) -> bool:
    """True when the fast path answered (and agreed), False when it stepped aside."""
    fast = fast_load_all(text)
    if fast is None:
        return False
    reference = ruamel_reading(text)
    assert reference == ("ruamel crashed",) or typed(fast) == reference, text
    return True


def test_the_corpus_is_the_repository_yaml() -> None:
    assert len(CORPUS) > 50
    assert any(p.name == "template.yaml" for p in CORPUS)
    assert any("golden" in p.parts for p in CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_repository_file_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    assert_same_reading(text)


def test_ordinary_files_take_the_fast_path() -> None:
    answered = [p for p in CORPUS if fast_load_all(p.read_text(encoding="utf-8")) is not None]
    assert len(answered) >= 0.8 * len(CORPUS), sorted(set(CORPUS) - set(answered))
    for template in (ROOT / "templates").glob("*/template.yaml"):
        assert template in answered


CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    pagerduty.com/service-id: {value}
spec:
  type: service
  owner: team-a
  dependsOn: [component:payments, "component:default/ledger"]
"""

#: Plain scalars that YAML 1.1 and 1.2 read differently (or that we cannot rule out).
DOUBTFUL = [
    "yes", "No", "ON", "off", "012", "0o17", "0x1F", "0b101", "1_000", "1e3",
    "1.5e-3", "190:20:30", "12:30", "2024-01-01", "2001-12-14t21:59:43.10-05:00", ".inf",
    "-.Inf", ".NaN", "1.", "+.5", "._1", "00", "1.2.3", "3rd", "=", "-_0", "+_1", "-_1_0", "-_x",
]  # fmt: skip
#: Plain scalars both read alike: the fast path answers.
AGREED = [
    "PABC123", "true", "False", "TRUE", "null", "~", "Null", "0", "12", "-3", "+4", "1.5",
    "-0.25", "y", "N", "-foo", "./skeleton", ".hidden", "+", "service name", "a:b",
    "http://x.example/y", "yesterday", "onion", "n/a", "", "_0",
]  # fmt: skip


@pytest.mark.parametrize("value", DOUBTFUL)
def test_scalars_read_differently_by_yaml_1_1_go_to_ruamel(value: str) -> None:
    text = CATALOG.format(value=value)
    assert fast_load_all(text) is None
    assert loaded(text) == ruamel_reading(text)


@pytest.mark.parametrize("value", AGREED)
def test_scalars_both_read_alike_take_the_fast_path(value: str) -> None:
    assert assert_same_reading(CATALOG.format(value=value))


@pytest.mark.parametrize("value", ["-_", "+__"])
def test_a_number_ruamel_cannot_convert_is_a_yaml_error_not_a_crash(value: str) -> None:
    # ruamel reads a signed run of underscores as an integer, then int() fails on it
    with pytest.raises(YAMLError, match="quote it to mean text"):
        load_all(CATALOG.format(value=value))


EDGE_FILES = {
    "duplicate key": "a: 1\na: 2\n",
    "merge key": "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "yaml 1.1 directive": "%YAML 1.1\n---\na: yes\n",
    "tag directive": "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "binary": "a: !!binary aGk=\n",
    "set": "a: !!set {x, y}\n",
    "omap": "a: !!omap [{x: 1}]\n",
    "custom tag": "a: !thing 1\n",
    "quoted int tag": 'a: !!int "12"\n',
    "integer key": "1: one\n",
    "tab in plain": "a: b\tc\n",
    "tab after colon": "a:\tb\n",
    "tab in quotes": 'a: "b\tc"\n',
    "complex key": "? [a, b]\n: c\n",
    "bad indentation": "a:\n  b: 1\n c: 2\n",
    "undefined alias": "a: *nothing\n",
    "recursive alias": "a: &x [*x]\n",
    "too deep": "a: " + "[" * 150 + "]" * 150 + "\n",
    "alias bomb": "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in ("ab", "bc", "cd", "de")),
}
AGREED_FILES = {
    "several documents": "a: 1\n---\n---\nb: [x, y]\n...\n",
    "empty": "",
    "only comments": "# nothing\n",
    "anchors": "x: &v {k: 1}\ny: *v\nz: [*v, *v]\n",
    "block scalars": "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\n",
    "quoted look-alikes": "a: 'yes'\nb: \"012\"\nc: '2024-01-01'\nd: \"1e3\"\n",
    "explicit str": "a: !!str 12\nb: !!str true\n",
    "crlf": "a: 1\r\nb: x\r\n",
    "unicode": 'name: café ☕\nemoji: "\\U0001F600"\n',
    "flow": "{a: [1, 2.5, true, null, x], b: {c: d}}\n",
    "nested lists": "a:\n- - 1\n  - 2\n- {b: c}\n",
}


@pytest.mark.parametrize("name", sorted(EDGE_FILES))
def test_edge_files_go_to_ruamel_and_read_as_it_reads_them(name: str) -> None:
    text = EDGE_FILES[name]
    assert fast_load_all(text) is None
    assert loaded(text) == ruamel_reading(text)


@pytest.mark.parametrize("name", sorted(AGREED_FILES))
def test_agreed_files_take_the_fast_path(name: str) -> None:
    assert assert_same_reading(AGREED_FILES[name])


def test_the_budget_holds_on_the_fast_path_too() -> None:
    """A bomb or a deep nest is never composed by libyaml: the ruamel path refuses it."""
    for name in ("alias bomb", "too deep", "recursive alias"):
        with pytest.raises(YamlBudgetError):
            load_all(EDGE_FILES[name])


def budget_verdict(check: Any, text: str) -> Any:
    """None when ``check`` passes ``text``, else the error's kind, words and position."""
    try:
        check(text)
    except YamlBudgetError as exc:
        return ("budget", exc.problem, exc.line, exc.column)
    except YAMLError as exc:
        return ("yaml", str(exc))
    return None


@pytest.mark.parametrize(
    "text",
    [*EDGE_FILES.values(), *AGREED_FILES.values(), "a: [1, 2}\n", "a:\tb\n", "- x\n- &a [y]\n"],
)
def test_the_budget_check_says_what_ruamels_says(text: str) -> None:
    """template lint checks the budget on libyaml's events: the same verdict, words, line and
    column as ruamel's pass for every edge file (bombs, deep nests, recursive aliases) and
    for text libyaml refuses or that holds a tab (those go to ruamel's pass)."""
    assert budget_verdict(check_budget, text) == budget_verdict(check_yaml_budget, text)


def test_the_budget_check_passes_the_repository_yaml() -> None:
    for path in CORPUS:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
        assert budget_verdict(check_budget, text) == budget_verdict(check_yaml_budget, text)


_SCALAR_CHARS = "0123456789+-._:/eExXoObBTtFfNnYyAaLlSsUuIi ~="


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_SCALAR_CHARS, max_size=12))
def test_drawn_plain_scalars_read_alike_or_step_aside(value: str) -> None:
    text = f"key: {value}\nlist: [{value}]\n"
    assert_same_reading(text)
