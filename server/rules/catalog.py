"""Every rule version asnflow knows, read from the rule files in ``server/rules/data`` when first imported.

The files are data, not code: a regulation change is a new version (a new ``valid_from``, the old one
closed with ``valid_to``), never an edit of a version requests have already recorded. Values marked
*(configurable)* in DOMAIN.md were not confirmed from a primary legal text; their ``legal_basis`` says so.
Loading checks every version (``server.rules.loading``), so a service with an unsound rule file does not
start: the error names the file and the rule.
"""

from __future__ import annotations

from pathlib import Path

from server.rules.loading import load_rule_versions
from server.rules.model import RuleVersion

DATA_DIR = Path(__file__).parent / "data"

RULE_VERSIONS: tuple[RuleVersion, ...] = load_rule_versions(DATA_DIR)
