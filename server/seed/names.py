"""Indonesian personal names and academic titles, so generated people read like a Jakarta register."""

from __future__ import annotations

import random

MALE = (
    "Agus", "Ahmad", "Andi", "Arief", "Bambang", "Budi", "Dedi", "Denny", "Dimas", "Eko", "Fajar", "Farhan",
    "Hadi", "Hendra", "Herman", "Imam", "Irfan", "Joko", "Kurniawan", "Lukman", "Muhammad", "Nanang", "Rahmat",
    "Reza", "Rizky", "Rudi", "Sigit", "Slamet", "Sutrisno", "Taufik", "Teguh", "Wahyu", "Yudi", "Yusuf", "Zainal",
    "Bayu", "Galih", "Haris", "Ilham", "Putra",
)  # fmt: skip
FEMALE = (
    "Aisyah", "Ani", "Ayu", "Dewi", "Dian", "Eka", "Endang", "Fitri", "Indah", "Intan", "Kartika", "Lestari",
    "Lina", "Maya", "Mega", "Nur", "Nurul", "Putri", "Ratna", "Rina", "Rini", "Siti", "Sri", "Tri", "Wati",
    "Wulan", "Yanti", "Yuliana", "Zahra", "Annisa", "Citra", "Desi", "Fadhilah", "Hana", "Kurnia", "Larasati",
    "Novita", "Puspita", "Rahmawati", "Suci",
)  # fmt: skip
FAMILY = (
    "Hidayat", "Saputra", "Santoso", "Wijaya", "Kusuma", "Pratama", "Setiawan", "Nugroho", "Susanto", "Hakim",
    "Siregar", "Nasution", "Lubis", "Simanjuntak", "Harahap", "Pohan", "Sitompul", "Tanjung", "Rahman", "Syahputra",
    "Firmansyah", "Gunawan", "Halim", "Iskandar", "Kusnadi", "Maulana", "Permana", "Purnomo", "Ramadhan", "Sembiring",
    "Sulistyo", "Utomo", "Wibowo", "Yulianto", "Hasibuan", "Manurung", "Sihombing", "Suryadi", "Tambunan", "Wahyudi",
)  # fmt: skip
_TITLES = {
    "D-III": ("A.Md.",),
    "D-IV": ("S.Tr.",),
    "S1": ("S.E.", "S.H.", "S.Kom.", "S.Sos.", "S.Pd.", "S.T.", "S.I.P.", "S.Kep."),
    "S2": ("M.Si.", "M.M.", "M.Kes.", "M.Pd.", "M.T.", "M.A.P."),
    "S3": ("M.Si.", "M.Pd.", "M.A.P."),
}


def person_name(rng: random.Random, gender: str, education: str) -> str:
    given = rng.choice(MALE if gender == "M" else FEMALE)
    name = f"{given} {rng.choice(FAMILY)}"
    if rng.random() < 0.3:
        name = f"{given} {rng.choice(MALE if gender == 'M' else FEMALE)} {rng.choice(FAMILY)}"
    titles = _TITLES.get(education)
    if titles:
        name = f"{name}, {rng.choice(titles)}"
    return f"Dr. {name}" if education == "S3" else name
