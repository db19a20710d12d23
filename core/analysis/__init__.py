"""Tone and conflict analysis for incoming messages and draft replies.

    from core.analysis import ToneAnalyzer, ToneContext
    verdict = ToneAnalyzer().check("Just google it.", role="draft")
    verdict.conflict, verdict.reasons  # True, [Reason(rule="dismissive", ...)]

Importing this package is cheap: the models and word lists load on the first check.
"""

from core.analysis.analyzer import ToneAnalyzer
from core.analysis.verdict import Correction, Reason, ToneContext, Verdict, check_incoming

__all__ = ["Correction", "Reason", "ToneAnalyzer", "ToneContext", "Verdict", "check_incoming"]
