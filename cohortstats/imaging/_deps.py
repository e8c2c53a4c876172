"""Lazy imports of the optional imaging dependencies, with install instructions."""

INSTALL = {
    "SimpleITK": "pip install SimpleITK",
    "radiomics": "pip install numpy && pip install --no-build-isolation pyradiomics==3.0.1",
    "torch": "pip install torch==2.14.1 torchvision==0.29.1",
    "torchvision": "pip install torch==2.14.1 torchvision==0.29.1",
    "pyarrow": "pip install pyarrow",
    "distributed": 'pip install "dask[distributed]"  (or pip install "cohortstats[dask]")',
}


def need(module: str):
    try:
        return __import__(module)
    except ImportError:
        raise ImportError(f"this imaging function needs {module!r}, which is not installed. Install it with: "
                          f"{INSTALL.get(module, 'pip install ' + module)}") from None
