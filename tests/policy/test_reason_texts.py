"""Every reason the default policy can give has the text users read, in both languages."""

from __future__ import annotations

import pytest

from linkgate import Gateway
from linkgate.policy.loader import DECEPTION_SIGNALS


@pytest.mark.parametrize("code", DECEPTION_SIGNALS)
def test_each_deception_signal_has_its_own_text(code: str) -> None:
    texts = Gateway.default().snapshot.policy.reasons.get(code)
    assert texts is not None, f"no text for {code}"
    assert set(texts) == {"zh", "en"} and all(texts.values())


def test_deception_texts_differ_by_signal() -> None:
    reasons = Gateway.default().snapshot.policy.reasons
    english = [reasons[code]["en"] for code in DECEPTION_SIGNALS]
    assert len(set(english)) == len(english)
