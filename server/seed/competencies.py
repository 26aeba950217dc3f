"""The competency catalogue and the requirements of each position type, as seed rows (deterministic, no draws).

Codes are the words the seeded positions and training records already use (``server.seed.jobs``,
``server.seed.records``), so requirements, training areas and the catalogue meet without a mapping. A
position's own ``competencies`` (its job's) count as requirements at level 2 (``workflows.competency``);
the rows here add what every post of a type requires.
"""

from __future__ import annotations

MANAGERIAL = (
    ("integritas", "Integritas"),
    ("komunikasi", "Komunikasi"),
    ("pelayanan publik", "Pelayanan Publik"),
    ("kepemimpinan", "Kepemimpinan"),
    ("kepemimpinan strategis", "Kepemimpinan Strategis"),
    ("kepemimpinan operasional", "Kepemimpinan Operasional"),
    ("kepemimpinan teknis", "Kepemimpinan Teknis"),
    ("manajemen kinerja", "Manajemen Kinerja"),
)
SOCIO_CULTURAL = (("perekat bangsa", "Perekat Bangsa"),)
TECHNICAL = (
    ("e-government", "E-Government"),
    ("literasi digital", "Literasi Digital"),
    ("pengolahan data", "Pengolahan Data"),
    ("administrasi perkantoran", "Administrasi Perkantoran"),
    ("administrasi kepegawaian", "Administrasi Kepegawaian"),
    ("manajemen ASN", "Manajemen ASN"),
    ("analisis kebijakan", "Analisis Kebijakan"),
    ("perencanaan", "Perencanaan"),
    ("pengadaan", "Pengadaan Barang dan Jasa"),
    ("keuangan daerah", "Keuangan Daerah"),
    ("kearsipan", "Kearsipan"),
    ("layanan operasional", "Layanan Operasional"),
    ("operasi lapangan", "Operasi Lapangan"),
    ("mengemudi", "Mengemudi"),
    ("teknik sipil", "Teknik Sipil"),
    ("ketertiban umum", "Ketertiban Umum"),
    ("audit", "Audit"),
    ("pengawasan", "Pengawasan"),
    ("pelayanan medis", "Pelayanan Medis"),
    ("keperawatan", "Keperawatan"),
    ("kebidanan", "Kebidanan"),
    ("kefarmasian", "Kefarmasian"),
    ("pembelajaran", "Pembelajaran"),
)

# position type -> (competency, level): the managerial ladder asks more the higher the post.
TYPE_REQUIREMENTS: dict[str, tuple[tuple[str, int], ...]] = {
    "JPT_MADYA": (("integritas", 4), ("manajemen kinerja", 4), ("komunikasi", 4), ("perekat bangsa", 3)),
    "JPT_PRATAMA": (("integritas", 4), ("manajemen kinerja", 3), ("komunikasi", 3), ("perekat bangsa", 3)),
    "ADMINISTRATOR": (("integritas", 3), ("manajemen kinerja", 3), ("perencanaan", 2), ("perekat bangsa", 2)),
    "PENGAWAS": (("integritas", 2), ("manajemen kinerja", 2), ("pelayanan publik", 2)),
    "FUNGSIONAL": (("integritas", 2), ("literasi digital", 1)),
    "PELAKSANA": (("integritas", 1), ("pelayanan publik", 1), ("literasi digital", 1)),
}


def competency_rows() -> dict[str, list[dict[str, object]]]:
    """``{"competencies": [...], "competency_requirements": [...]}`` in primary-key order."""
    catalogue = [
        (code, name, kind)
        for kind, entries in (("managerial", MANAGERIAL), ("socio-cultural", SOCIO_CULTURAL), ("technical", TECHNICAL))
        for code, name in entries
    ]
    competencies: list[dict[str, object]] = [
        {"id": i, "code": code, "name": name, "kind": kind} for i, (code, name, kind) in enumerate(catalogue, 1)
    ]
    requirements: list[dict[str, object]] = []
    for position_type, needs in TYPE_REQUIREMENTS.items():
        for code, level in needs:
            requirements.append(
                {
                    "id": len(requirements) + 1,
                    "position_type": position_type,
                    "position_id": None,
                    "competency_code": code,
                    "level": level,
                }
            )
    return {"competencies": competencies, "competency_requirements": requirements}
