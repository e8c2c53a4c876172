from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"
REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture
def rng():
    """A fresh generator per test (never global seeding)."""
    return np.random.default_rng(20261127)


@pytest.fixture(scope="session")
def asah():
    return pd.read_csv(DATA / "aSAH.csv")


@pytest.fixture(scope="session")
def birthwt():
    return pd.read_csv(DATA / "birthwt.csv")


@pytest.fixture(scope="session")
def lung():
    return pd.read_csv(DATA / "lung.csv")


def reference(name: str) -> pd.DataFrame:
    """Values written by an R script under tests/reference/."""
    return pd.read_csv(REFERENCE / name)


@pytest.fixture(scope="session")
def asah01():
    """aSAH with the outcome coded y = 1 for Poor (pROC's case)."""
    d = pd.read_csv(DATA / "aSAH.csv")
    d["y"] = (d["outcome"] == "Poor").astype(int)
    return d
