"""The unit tree of Pemprov DKI for one size, with ids, materialised paths and depths fixed up front.

Ids are assigned here (in creation order, parents first) so that ``path`` (``/<id>/.../``) is known
before anything is inserted, and so that the same size always yields the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.seed.geography import AGENCIES, BIRO, CITIES, CITY_BAGIAN, GENERIC_BIDANG, HOSPITALS, Agency, slug
from server.seed.sizes import SizeProfile

ROOT_CODE = "PEMPROV"
SETDA_CODE = "SETDA"

# Managerial type of a unit's head by unit kind (the brief's "managerial type by level").
HEAD_TYPE: dict[str, str] = {
    "secretariat": "JPT_MADYA",
    "dinas": "JPT_PRATAMA",
    "badan": "JPT_PRATAMA",
    "inspektorat": "JPT_PRATAMA",
    "city": "JPT_PRATAMA",
    "regency": "JPT_PRATAMA",
    "biro": "JPT_PRATAMA",
    "sekretariat": "ADMINISTRATOR",
    "bidang": "ADMINISTRATOR",
    "bagian": "ADMINISTRATOR",
    "suku_dinas": "ADMINISTRATOR",
    "kecamatan": "ADMINISTRATOR",
    "hospital": "ADMINISTRATOR",
    "seksi": "PENGAWAS",
    "kelurahan": "PENGAWAS",
    "puskesmas": "PENGAWAS",
    "school": "PENGAWAS",
}

# Relative staff size by unit kind; the size profile scales these to its employee target.
STAFF_WEIGHT: dict[str, int] = {
    "province": 0,
    "secretariat": 20,
    "biro": 25,
    "bagian": 20,
    "dinas": 40,
    "badan": 40,
    "inspektorat": 40,
    "sekretariat": 25,
    "bidang": 25,
    "seksi": 12,
    "suku_dinas": 40,
    "city": 50,
    "regency": 50,
    "kecamatan": 40,
    "kelurahan": 30,
    "puskesmas": 150,
    "hospital": 500,
    "school": 140,
}


@dataclass
class UnitSpec:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    family: str  # job catalogue of its staff (server.seed.jobs)
    head_title: str | None  # None: the unit has no civil-service head (the root: the Governor is elected)
    children: list[int] = field(default_factory=list)

    @property
    def head_type(self) -> str | None:
        return HEAD_TYPE.get(self.kind) if self.head_title else None


class _Tree:
    def __init__(self) -> None:
        self.units: list[UnitSpec] = []
        self.by_code: dict[str, UnitSpec] = {}
        self.numbers: dict[str, int] = {}

    def next_number(self, series: str) -> int:
        self.numbers[series] = self.numbers.get(series, 0) + 1
        return self.numbers[series]

    def add(
        self, code: str, name: str, kind: str, parent: UnitSpec | None, family: str, head_title: str | None
    ) -> UnitSpec:
        if code in self.by_code:
            raise ValueError(f"unit code {code} is generated twice")
        uid = len(self.units) + 1
        path = f"{parent.path if parent else '/'}{uid}/"
        unit = UnitSpec(
            uid, code, name, kind, parent.id if parent else None, path, path.count("/") - 2, family, head_title
        )
        if parent:
            parent.children.append(uid)
        self.units.append(unit)
        self.by_code[code] = unit
        return unit


def build_units(size: SizeProfile) -> list[UnitSpec]:
    tree = _Tree()
    root = tree.add(ROOT_CODE, "Pemerintah Provinsi DKI Jakarta", "province", None, "office", None)
    setda = tree.add(
        SETDA_CODE, "Sekretariat Daerah Provinsi DKI Jakarta", "secretariat", root, "office", "Sekretaris Daerah"
    )
    for code, name in BIRO[: size.biro]:
        biro = tree.add(code, name, "biro", setda, "office", f"Kepala {name}")
        for n in range(1, size.bagian_per_biro + 1):
            bagian = f"Bagian {n} {name}"
            tree.add(f"{code}-BAG{n}", bagian, "bagian", biro, "office", f"Kepala {bagian}")
    agencies = [a for a in AGENCIES if a.code in size.agencies]
    for agency in agencies:
        _add_agency(tree, root, agency, size)
    for city in CITIES:
        _add_city(tree, root, city.code, city.name, city.kind, city.kecamatan, size)
    for agency_code in size.regional_agencies:
        _add_suku_dinas(tree, tree.by_code[agency_code], size)
    for code, name in HOSPITALS[: size.hospitals]:
        tree.add(code, name, "hospital", tree.by_code["DINKES"], "clinical", f"Direktur {name}")
    return tree.units


def _add_agency(tree: _Tree, root: UnitSpec, agency: Agency, size: SizeProfile) -> None:
    family = {"hr": "hr", "audit": "audit", "field": "field"}.get(agency.family, "office")
    head = "Inspektur" if agency.kind == "inspektorat" else f"Kepala {agency.name}"
    unit = tree.add(agency.code, agency.name, agency.kind, root, family, head)
    sekre = f"Sekretariat {agency.name}"
    sub = tree.add(f"{agency.code}-SEKRE", sekre, "sekretariat", unit, family, f"Sekretaris {agency.name}")
    for n, part in enumerate(("Subbagian Umum dan Kepegawaian", "Subbagian Keuangan")[: size.seksi_per_bidang], 1):
        tree.add(f"{sub.code}-S{n}", f"{part} {sekre}", "seksi", sub, family, f"Kepala {part} {sekre}")
    for suffix, name in (agency.bidang or GENERIC_BIDANG)[: size.bidang_per_agency]:
        # An inspectorate's "bidang" is an assistant inspector's area: its head is the Irban itself.
        irban = agency.kind == "inspektorat"
        bidang_name = name if irban else f"{name} {agency.name}"
        bidang_head = name if irban else f"Kepala {bidang_name}"
        bidang = tree.add(f"{agency.code}-{suffix}", bidang_name, "bidang", unit, family, bidang_head)
        for n in range(1, size.seksi_per_bidang + 1):
            seksi = f"Seksi {n} {bidang_name}"
            tree.add(f"{bidang.code}-S{n}", seksi, "seksi", bidang, family, f"Kepala {seksi}")


def _add_city(
    tree: _Tree,
    root: UnitSpec,
    code: str,
    name: str,
    kind: str,
    kecamatan: tuple[tuple[str, int], ...],
    size: SizeProfile,
) -> None:
    short = name.split("Administrasi ", 1)[1]
    head = f"{'Wali Kota' if kind == 'city' else 'Bupati'} {short}"
    city = tree.add(code, name, kind, root, "territorial", head)
    for suffix, bagian in CITY_BAGIAN[: size.bagian_per_city]:
        tree.add(f"{code}-{suffix}", f"{bagian} {name}", "bagian", city, "territorial", f"Kepala {bagian} {name}")
    for kec_name, kelurahan_count in kecamatan[: size.kecamatan_per_city]:
        kec = tree.add(
            f"KEC-{slug(kec_name)}", f"Kecamatan {kec_name}", "kecamatan", city, "territorial", f"Camat {kec_name}"
        )
        count = kelurahan_count if size.kelurahan_per_kecamatan is None else size.kelurahan_per_kecamatan
        for n in range(1, count + 1):
            kel = f"Kelurahan {kec_name} {n:02d}"
            tree.add(f"KEL-{slug(kec_name)}-{n:02d}", kel, "kelurahan", kec, "territorial", f"Lurah {kec_name} {n:02d}")


def _add_suku_dinas(tree: _Tree, agency: UnitSpec, size: SizeProfile) -> None:
    """A suku dinas per city; health ones run a puskesmas per kecamatan, education ones the schools."""
    for city_unit in [u for u in tree.units if u.kind in ("city", "regency")]:
        short = city_unit.name.split("Administrasi ", 1)[1]
        name = f"Suku {agency.name} {short}"
        sudin = tree.add(
            f"SUDIN-{agency.code}-{city_unit.code}", name, "suku_dinas", agency, agency.family, f"Kepala {name}"
        )
        for n in range(1, size.seksi_per_suku_dinas + 1):
            seksi = f"Seksi {n} {name}"
            tree.add(f"{sudin.code}-S{n}", seksi, "seksi", sudin, agency.family, f"Kepala {seksi}")
        kecamatan = [tree.units[child - 1] for child in city_unit.children]
        for kec in [k for k in kecamatan if k.kind == "kecamatan"]:
            place = kec.name.removeprefix("Kecamatan ")
            if agency.code == "DINKES":
                pkm = f"Puskesmas Kecamatan {place}"
                tree.add(f"PKM-{slug(place)}", pkm, "puskesmas", sudin, "clinical", f"Kepala {pkm}")
            elif agency.code == "DISDIK":
                _add_schools(tree, sudin, size)


def _add_schools(tree: _Tree, sudin: UnitSpec, size: SizeProfile) -> None:
    """A junior and a senior high school per kecamatan, numbered across the province."""
    for level in ("SMP", "SMA")[: size.schools_per_kecamatan]:
        number = tree.next_number(level)
        name = f"{level} Negeri {number} Jakarta"
        tree.add(f"{level}N-{number}", name, "school", sudin, "school", f"Kepala {name}")
