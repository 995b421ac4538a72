"""linkgate: an external-link gateway for messaging and social super-apps.

The public surface::

    from linkgate import Gateway
    decision = Gateway.default().decide(url, channel="private_chat")
"""

from linkgate.checks import ContentClassifier, Verdict
from linkgate.datafile import DataFileError, Problem
from linkgate.errors import LinkgateError, RequestError
from linkgate.facts import Inspector, UrlFacts
from linkgate.gateway import DecisionRequest, Gateway, Snapshot
from linkgate.policy.decision import Constraint, Counterfactual, Decision
from linkgate.policy.evaluator import ContentSignal, State
from linkgate.policy.loader import load_policy

__version__ = "0.1.0"

__all__ = [
    "Constraint",
    "ContentClassifier",
    "ContentSignal",
    "Counterfactual",
    "DataFileError",
    "Decision",
    "DecisionRequest",
    "Gateway",
    "Inspector",
    "LinkgateError",
    "Problem",
    "RequestError",
    "Snapshot",
    "State",
    "UrlFacts",
    "Verdict",
    "__version__",
    "load_policy",
]
