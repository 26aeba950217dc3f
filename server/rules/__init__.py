"""Rules as dated data: every threshold, period and matrix a guard reads, with its legal basis.

A request is judged by the versions in force on its effective date and records which ones it used
(``WorkflowRequest.rule_versions``), so a later regulation never changes how an old request is judged.
"""

from server.rules.catalog import RULE_VERSIONS
from server.rules.model import RuleNotFound, RuleVersion, all_rule_versions, rule_by_id, rules_for

__all__ = ["RULE_VERSIONS", "RuleNotFound", "RuleVersion", "all_rule_versions", "rule_by_id", "rules_for"]
