"""The legacy PyPI ``casbin`` distribution writes the same ``casbin/`` package as pycasbin: it must be absent."""

from importlib import metadata

import pytest


def test_the_legacy_casbin_distribution_is_not_installed() -> None:
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.distribution("casbin")


def test_pycasbin_provides_the_casbin_package() -> None:
    import casbin

    assert metadata.distribution("pycasbin").version >= "2.8"
    assert hasattr(casbin, "Enforcer")
