"""What positions look like: requirements of head posts by type, and the staff job catalogue per family.

Rank ranges are chosen so every rank in them is reachable within some education's cap
(``EDUCATION_RANK_RANGE``), which keeps generated holders both in range and within their cap. The
weights make the province's rank mix land near DOMAIN.md's (III 41 %, IV 35 %, II 22 %, I 2 %):
group IV comes almost only from functional *ahli madya* posts, as it does in reality.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    title: str
    type: str
    job_class: int
    min_education: str
    min_rank: str
    max_rank: str
    weight: int = 1
    competencies: tuple[str, ...] = ()


HEAD_JOBS: dict[str, Job] = {
    "JPT_MADYA": Job("", "JPT_MADYA", 16, "S2", "IV/b", "IV/e", competencies=("kepemimpinan strategis",)),
    "JPT_PRATAMA": Job("", "JPT_PRATAMA", 14, "S2", "IV/a", "IV/d", competencies=("kepemimpinan strategis",)),
    "ADMINISTRATOR": Job("", "ADMINISTRATOR", 12, "S1", "III/d", "IV/b", competencies=("kepemimpinan operasional",)),
    "PENGAWAS": Job("", "PENGAWAS", 9, "D-III", "III/b", "III/d", competencies=("kepemimpinan teknis",)),
}

_LEVELS: dict[str, tuple[int, str, str, str]] = {
    # level: (job class, min education, min rank, max rank) for functional posts
    "Ahli Pertama": (8, "S1", "III/a", "III/b"),
    "Ahli Muda": (9, "S1", "III/c", "III/d"),
    "Ahli Madya": (11, "S1", "IV/a", "IV/c"),
    "Terampil": (6, "D-III", "II/c", "II/d"),
    "Mahir": (7, "D-III", "III/a", "III/b"),
    "Penyelia": (8, "D-III", "III/c", "III/d"),
}


def _functional(name: str, levels: dict[str, int], competency: str) -> list[Job]:
    jobs = []
    for level, weight in levels.items():
        job_class, education, low, high = _LEVELS[level]
        jobs.append(Job(f"{name} {level}", "FUNGSIONAL", job_class, education, low, high, weight, (competency,)))
    return jobs


_CLERICAL = [
    Job("Pengadministrasi Perkantoran", "PELAKSANA", 5, "SLTA", "II/a", "II/d", 5, ("administrasi perkantoran",)),
    Job("Penata Layanan Operasional", "PELAKSANA", 7, "D-III", "II/c", "III/d", 8, ("pelayanan publik",)),
    Job("Pengolah Data dan Informasi", "PELAKSANA", 6, "SLTA", "II/b", "III/b", 5, ("pengolahan data",)),
    Job("Operator Layanan Operasional", "PELAKSANA", 3, "SD", "I/a", "I/d", 2, ("layanan operasional",)),
]
_ANALYST = _functional("Analis Kebijakan", {"Ahli Pertama": 2, "Ahli Muda": 2, "Ahli Madya": 9}, "analisis kebijakan")
_PLANNER = _functional("Perencana", {"Ahli Pertama": 2, "Ahli Muda": 2, "Ahli Madya": 5}, "perencanaan")

CATALOGUE: dict[str, list[Job]] = {
    "office": [*_CLERICAL, *_ANALYST, *_PLANNER],
    "territorial": [
        *_CLERICAL,
        Job("Pengelola Layanan Kemasyarakatan", "PELAKSANA", 6, "SLTA", "II/a", "III/b", 4, ("pelayanan publik",)),
        *_functional("Analis Kebijakan", {"Ahli Muda": 3, "Ahli Madya": 11}, "analisis kebijakan"),
    ],
    "field": [
        *_CLERICAL,
        Job("Petugas Lapangan", "PELAKSANA", 5, "SLTA", "II/a", "III/b", 5, ("operasi lapangan",)),
        Job("Pengemudi", "PELAKSANA", 3, "SLTP", "I/c", "II/c", 2, ("mengemudi",)),
        *_functional(
            "Teknik Jalan dan Jembatan", {"Ahli Pertama": 2, "Ahli Muda": 2, "Ahli Madya": 10}, "teknik sipil"
        ),
        *_functional("Polisi Pamong Praja", {"Terampil": 3, "Mahir": 3, "Penyelia": 3}, "ketertiban umum"),
    ],
    "hr": [
        *_CLERICAL,
        *_functional("Analis SDM Aparatur", {"Ahli Pertama": 4, "Ahli Muda": 4, "Ahli Madya": 12}, "manajemen ASN"),
        *_functional("Pranata SDM Aparatur", {"Terampil": 2, "Mahir": 3}, "administrasi kepegawaian"),
    ],
    "audit": [
        *_CLERICAL,
        *_functional("Auditor", {"Ahli Pertama": 4, "Ahli Muda": 4, "Ahli Madya": 10}, "audit"),
        *_functional(
            "Pengawas Penyelenggaraan Urusan Pemerintahan Daerah", {"Ahli Muda": 2, "Ahli Madya": 4}, "pengawasan"
        ),
    ],
    "clinical": [
        Job("Pengadministrasi Perkantoran", "PELAKSANA", 5, "SLTA", "II/a", "II/d", 5, ("administrasi perkantoran",)),
        *_functional("Dokter", {"Ahli Pertama": 2, "Ahli Muda": 3, "Ahli Madya": 6}, "pelayanan medis"),
        *_functional(
            "Perawat", {"Terampil": 3, "Mahir": 5, "Penyelia": 4, "Ahli Pertama": 2, "Ahli Madya": 5}, "keperawatan"
        ),
        *_functional("Bidan", {"Terampil": 2, "Mahir": 3, "Penyelia": 2}, "kebidanan"),
        *_functional("Apoteker", {"Ahli Pertama": 1, "Ahli Madya": 1}, "kefarmasian"),
    ],
    "school": [
        Job("Pengadministrasi Perkantoran", "PELAKSANA", 5, "SLTA", "II/a", "II/d", 4, ("administrasi perkantoran",)),
        Job("Operator Layanan Operasional", "PELAKSANA", 3, "SD", "I/a", "I/d", 1, ("layanan operasional",)),
        *_functional("Guru", {"Ahli Pertama": 5, "Ahli Muda": 9, "Ahli Madya": 16}, "pembelajaran"),
    ],
}

# How many staff positions a unit gets at most, by family: a school's teachers are few titles.
MAX_STAFF_POSITIONS = 6
