"""The policy language: parse -> check -> compile -> evaluate -> explain. Pure: no I/O.

Read in the order AWS evaluates: `document` (text -> JSON tree with positions),
`grammar` (AWS's save-time checks and findings), `variables` and `patterns`
(wildcards and `${...}`), `conditions` (the request context and the operator
families), `compiled` (each document compiled once), `evaluate` (the decision
flow, told in the words of `decisions`), `explain` (the decision in words) and
`simulation` (a whole action × resource question, the one path every caller takes).
"""

from iamtui.policy.compiled import Caller, CompiledPolicy, PolicySourceType, compile_policy
from iamtui.policy.conditions import ContextEntry, RequestContext
from iamtui.policy.decisions import Decision, Layer, PrincipalMatch
from iamtui.policy.document import Position, load_json
from iamtui.policy.evaluate import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    EvalRequest,
    EvalResult,
    PolicyInput,
    PolicySet,
    evaluate,
)
from iamtui.policy.explain import Explanation, explain
from iamtui.policy.grammar import (
    Finding,
    FindingType,
    PolicyDocument,
    PolicyType,
    ValidationReport,
    parse_policy,
    validate_policy,
)

__all__ = [
    "ALLOWED", "EXPLICIT_DENY", "IMPLICIT_DENY", "Caller", "CompiledPolicy", "ContextEntry",
    "Decision", "EvalRequest", "EvalResult", "Explanation", "Finding", "FindingType", "Layer",
    "PolicyDocument", "PolicyInput", "PolicySet", "PolicySourceType", "PolicyType", "Position",
    "PrincipalMatch", "RequestContext", "ValidationReport", "compile_policy", "evaluate",
    "explain", "load_json", "parse_policy", "validate_policy",
]
