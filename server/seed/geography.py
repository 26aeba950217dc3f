"""Jakarta's real organisation as plain data: cities, districts, agencies, bureaus and hospitals.

The five administrative cities, the regency, the 44 kecamatan and how many kelurahan each has
(267 in all) are real; kelurahan names are generated from their kecamatan. Agencies are the
provincial dinas and badan; ``regional`` ones keep a suku dinas in every city.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    code: str
    name: str
    kind: str
    kecamatan: tuple[tuple[str, int], ...]  # (name, number of kelurahan)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str
    family: str  # which job catalogue its staff come from (server.seed.jobs)
    bidang: tuple[tuple[str, str], ...] = ()  # (code suffix, name); empty = the generic bidang


CITIES: tuple[City, ...] = (
    City(
        "JKT-PUSAT",
        "Kota Administrasi Jakarta Pusat",
        "city",
        (
            ("Gambir", 6),
            ("Sawah Besar", 5),
            ("Kemayoran", 8),
            ("Senen", 6),
            ("Cempaka Putih", 3),
            ("Menteng", 5),
            ("Tanah Abang", 7),
            ("Johar Baru", 4),
        ),
    ),
    City(
        "JKT-UTARA",
        "Kota Administrasi Jakarta Utara",
        "city",
        (
            ("Penjaringan", 5),
            ("Pademangan", 3),
            ("Tanjung Priok", 7),
            ("Koja", 6),
            ("Kelapa Gading", 3),
            ("Cilincing", 7),
        ),
    ),
    City(
        "JKT-BARAT",
        "Kota Administrasi Jakarta Barat",
        "city",
        (
            ("Cengkareng", 6),
            ("Grogol Petamburan", 7),
            ("Taman Sari", 8),
            ("Tambora", 11),
            ("Kebon Jeruk", 7),
            ("Kalideres", 5),
            ("Palmerah", 6),
            ("Kembangan", 6),
        ),
    ),
    City(
        "JKT-SELATAN",
        "Kota Administrasi Jakarta Selatan",
        "city",
        (
            ("Kebayoran Baru", 10),
            ("Kebayoran Lama", 6),
            ("Pesanggrahan", 5),
            ("Cilandak", 5),
            ("Pasar Minggu", 7),
            ("Jagakarsa", 6),
            ("Mampang Prapatan", 5),
            ("Pancoran", 6),
            ("Tebet", 7),
            ("Setiabudi", 8),
        ),
    ),
    City(
        "JKT-TIMUR",
        "Kota Administrasi Jakarta Timur",
        "city",
        (
            ("Matraman", 6),
            ("Pulo Gadung", 7),
            ("Jatinegara", 8),
            ("Duren Sawit", 7),
            ("Kramat Jati", 7),
            ("Makasar", 5),
            ("Pasar Rebo", 5),
            ("Ciracas", 5),
            ("Cipayung", 8),
            ("Cakung", 7),
        ),
    ),
    City(
        "KEP-SERIBU",
        "Kabupaten Administrasi Kepulauan Seribu",
        "regency",
        (("Kepulauan Seribu Utara", 3), ("Kepulauan Seribu Selatan", 3)),
    ),
)

AGENCIES: tuple[Agency, ...] = (
    Agency(
        "BKD",
        "Badan Kepegawaian Daerah",
        "badan",
        "hr",
        (("MUTASI", "Bidang Mutasi"), ("KARIER", "Bidang Pengembangan Karier"), ("DATIN", "Bidang Data dan Informasi")),
    ),
    Agency(
        "INSPEKTORAT",
        "Inspektorat",
        "inspektorat",
        "audit",
        (
            ("IRBAN1", "Inspektur Pembantu Wilayah I"),
            ("IRBAN2", "Inspektur Pembantu Wilayah II"),
            ("IRBAN3", "Inspektur Pembantu Wilayah III"),
        ),
    ),
    Agency("DINKES", "Dinas Kesehatan", "dinas", "health"),
    Agency("DISDIK", "Dinas Pendidikan", "dinas", "education"),
    Agency("BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "badan", "office"),
    Agency("DISHUB", "Dinas Perhubungan", "dinas", "field"),
    Agency("SATPOLPP", "Satuan Polisi Pamong Praja", "dinas", "field"),
    Agency("BPKD", "Badan Pengelola Keuangan Daerah", "badan", "office"),
    Agency("DBM", "Dinas Bina Marga", "dinas", "field"),
    Agency("DSDA", "Dinas Sumber Daya Air", "dinas", "field"),
    Agency("DLH", "Dinas Lingkungan Hidup", "dinas", "field"),
    Agency("DINSOS", "Dinas Sosial", "dinas", "office"),
    Agency("GULKARMAT", "Dinas Penanggulangan Kebakaran dan Penyelamatan", "dinas", "field"),
    Agency("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "dinas", "office"),
    Agency("DISTAMHUT", "Dinas Pertamanan dan Hutan Kota", "dinas", "field"),
    Agency("DPRKP", "Dinas Perumahan Rakyat dan Kawasan Permukiman", "dinas", "office"),
    Agency("CITATA", "Dinas Cipta Karya, Tata Ruang dan Pertanahan", "dinas", "office"),
    Agency("DISPAREKRAF", "Dinas Pariwisata dan Ekonomi Kreatif", "dinas", "office"),
    Agency("DISBUD", "Dinas Kebudayaan", "dinas", "office"),
    Agency("DISPORA", "Dinas Pemuda dan Olahraga", "dinas", "office"),
    Agency("DISNAKERTRANSGI", "Dinas Tenaga Kerja, Transmigrasi dan Energi", "dinas", "office"),
    Agency("PPKUKM", "Dinas Perindustrian, Perdagangan, Koperasi, Usaha Kecil dan Menengah", "dinas", "office"),
    Agency("DKPKP", "Dinas Ketahanan Pangan, Kelautan dan Pertanian", "dinas", "office"),
    Agency("DISKOMINFOTIK", "Dinas Komunikasi, Informatika dan Statistik", "dinas", "office"),
    Agency("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "dinas", "office"),
    Agency("DPPAPP", "Dinas Pemberdayaan, Perlindungan Anak dan Pengendalian Penduduk", "dinas", "office"),
    Agency("DISPUSIP", "Dinas Perpustakaan dan Kearsipan", "dinas", "office"),
    Agency("BAPENDA", "Badan Pendapatan Daerah", "badan", "office"),
    Agency("BPAD", "Badan Pengelola Aset Daerah", "badan", "office"),
    Agency("BPSDM", "Badan Pengembangan Sumber Daya Manusia", "badan", "office"),
    Agency("BPBD", "Badan Penanggulangan Bencana Daerah", "badan", "field"),
    Agency("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik", "badan", "office"),
    Agency("SETWAN", "Sekretariat Dewan Perwakilan Rakyat Daerah", "badan", "office"),
)

# Agencies with a suku dinas in every city, in the order the jakarta size creates them.
REGIONAL_AGENCIES: tuple[str, ...] = ("DINKES", "DISDIK", "DISHUB", "DBM", "DSDA", "DLH", "DINSOS", "GULKARMAT")

GENERIC_BIDANG: tuple[tuple[str, str], ...] = (
    ("REN", "Bidang Perencanaan dan Pengendalian"),
    ("LYN", "Bidang Pelayanan"),
    ("BIN", "Bidang Pembinaan dan Pengawasan"),
)

BIRO: tuple[tuple[str, str], ...] = (
    ("BIRO-PEM", "Biro Pemerintahan"),
    ("BIRO-HUKUM", "Biro Hukum"),
    ("BIRO-ORB", "Biro Organisasi dan Reformasi Birokrasi"),
    ("BIRO-EKBANG", "Biro Perekonomian dan Administrasi Pembangunan"),
    ("BIRO-KESOS", "Biro Kesejahteraan Sosial"),
    ("BIRO-UMUM", "Biro Umum dan Administrasi Pimpinan"),
    ("BIRO-KSD", "Biro Kerja Sama Daerah"),
    ("BIRO-PBJ", "Biro Pengadaan Barang dan Jasa"),
)

CITY_BAGIAN: tuple[tuple[str, str], ...] = (
    ("PEM", "Bagian Pemerintahan"),
    ("KESRA", "Bagian Kesejahteraan Rakyat"),
)

HOSPITALS: tuple[tuple[str, str], ...] = (
    ("RSUD-TARAKAN", "RSUD Tarakan"),
    ("RSUD-PASAR-MINGGU", "RSUD Pasar Minggu"),
    ("RSUD-BUDHI-ASIH", "RSUD Budhi Asih"),
    ("RSUD-KOJA", "RSUD Koja"),
    ("RSUD-CENGKARENG", "RSUD Cengkareng"),
    ("RSUD-DUREN-SAWIT", "RSUD Duren Sawit"),
    ("RSUD-KALIDERES", "RSUD Kalideres"),
    ("RSUD-TANAH-ABANG", "RSUD Tanah Abang"),
)


def slug(name: str) -> str:
    """``"Kebayoran Baru"`` -> ``"KEBAYORAN-BARU"``: unit codes stay short and readable."""
    return "-".join(name.upper().replace(",", "").split())
