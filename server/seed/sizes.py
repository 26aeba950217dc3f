"""How big a seeded registry is: ``small`` for tests and demos, ``jakarta`` for the real scale.

Both sizes contain every unit a demo persona lives in (server.seed.personas), so persona handles
resolve the same way whichever size was seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.seed.geography import AGENCIES, REGIONAL_AGENCIES


@dataclass(frozen=True)
class SizeProfile:
    name: str
    employees: int
    agencies: tuple[str, ...]
    bidang_per_agency: int  # besides the agency's sekretariat
    seksi_per_bidang: int
    biro: int
    bagian_per_biro: int
    regional_agencies: tuple[str, ...]
    seksi_per_suku_dinas: int
    kecamatan_per_city: int | None  # None: all of them
    kelurahan_per_kecamatan: int | None  # None: the real number
    bagian_per_city: int
    hospitals: int
    schools_per_kecamatan: int


SIZES: dict[str, SizeProfile] = {
    "small": SizeProfile(
        name="small",
        employees=2_000,
        agencies=("BKD", "INSPEKTORAT", "DINKES", "DISDIK", "BAPPEDA", "DISHUB", "SATPOLPP", "BPKD"),
        bidang_per_agency=1,
        seksi_per_bidang=1,
        biro=2,
        bagian_per_biro=0,
        regional_agencies=("DINKES", "DISDIK"),
        seksi_per_suku_dinas=0,
        kecamatan_per_city=1,
        kelurahan_per_kecamatan=2,
        bagian_per_city=0,
        hospitals=0,
        schools_per_kecamatan=1,
    ),
    "jakarta": SizeProfile(
        name="jakarta",
        employees=65_000,
        agencies=tuple(a.code for a in AGENCIES),
        bidang_per_agency=2,
        seksi_per_bidang=2,
        biro=8,
        bagian_per_biro=3,
        regional_agencies=REGIONAL_AGENCIES,
        seksi_per_suku_dinas=2,
        kecamatan_per_city=None,
        kelurahan_per_kecamatan=None,
        bagian_per_city=2,
        hospitals=8,
        schools_per_kecamatan=2,
    ),
}


def profile(size: str) -> SizeProfile:
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"size {size!r} is not known: choose one of {', '.join(SIZES)}") from None
