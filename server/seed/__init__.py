"""Deterministic synthetic data for asnflow: Jakarta's units, positions and people, and demo personas.

``seed(db, size=..., seed=...)`` fills an empty migrated database; the same size and seed always
write the same rows. ``personas(db)`` lists the demo users that ``asnflow personas`` prints, and
``PERSONAS`` / ``persona_user_ids`` let tests pick "the unit head", "the employee" and so on.
"""

from server.seed.calendar import REFERENCE_DATE
from server.seed.handles import EMPLOYEE_POSITION, PERSONA_BY_KEY, PERSONAS, TRANSFER_TARGET_POSITION, PersonaHandle
from server.seed.personas import persona_user_ids, personas
from server.seed.run import SeedError, SeedReport, is_empty, seed
from server.seed.sizes import SIZES

__all__ = [
    "EMPLOYEE_POSITION",
    "PERSONAS",
    "PERSONA_BY_KEY",
    "REFERENCE_DATE",
    "SIZES",
    "TRANSFER_TARGET_POSITION",
    "PersonaHandle",
    "SeedError",
    "SeedReport",
    "is_empty",
    "persona_user_ids",
    "personas",
    "seed",
]
