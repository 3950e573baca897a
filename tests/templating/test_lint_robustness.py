"""Lint never crashes: any shape in any place of a template gives findings, not a traceback."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pagerduty_actions.templating.lint import lint_document
from pagerduty_actions.templating.template import TemplateDocument

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.sampled_from(["${{ parameters.x }}", "${{ steps.a.output }}", "{% for %}", "${{"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
STEP = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON,
        "action": st.one_of(
            JSON,
            st.sampled_from(
                ["pagerduty:service:create", "fetch:template", "http:backstage:request"]
            ),
        ),
        "input": JSON,
        "if": JSON,
        "each": JSON,
    },
)


@settings(max_examples=150, deadline=None)
@given(
    parameters=JSON,
    steps=st.one_of(JSON, st.lists(STEP, max_size=4)),
    output=JSON,
    metadata=JSON,
)
def test_lint_survives_any_shape(
    parameters: Any, steps: Any, output: Any, metadata: Any, action_inputs: dict[str, Any]
) -> None:
    data = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": metadata,
        "spec": {"type": "service", "parameters": parameters, "steps": steps, "output": output},
    }
    report = lint_document(TemplateDocument(data=data), action_inputs)
    for finding in report.findings:
        assert finding.code and finding.message and finding.severity in {"error", "warning", "info"}
