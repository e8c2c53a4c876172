"""Optional imaging extra: reading CT and masks, radiomics extraction (pyradiomics), habitat sub-regions,
and the deep-feature recipe of the seed study (torchvision ResNet50).

Install with::

    pip install SimpleITK nibabel pyarrow
    pip install --no-build-isolation pyradiomics==3.0.1   # PyPI has no wheel; it builds against the installed numpy
    pip install torch==2.14.1 torchvision==0.29.1          # only for deep features
    pip install "dask[distributed]"                         # only for cohortstats extract --workers / --scheduler

The core package never imports this subpackage; each function imports its dependencies when called and
raises an ImportError that says what to install.
"""

from .habitat import HabitatResult, habitat_radiomics, habitat_subregions
from .io import check_geometry, load_mask, manifest_from_folder, read_image
from .phantom import make_phantom_cohort
from .radiomics import extract_radiomics
from .deep import extract_deep_features, preprocess_slices, select_slices
from .batch import BatchResult, extract_batch, extract_deep_batch, extract_folder_tables

__all__ = ["read_image", "load_mask", "check_geometry", "extract_radiomics", "extract_batch", "BatchResult",
           "habitat_subregions", "habitat_radiomics", "HabitatResult", "select_slices", "preprocess_slices", "extract_deep_features",
           "make_phantom_cohort", "manifest_from_folder", "extract_folder_tables", "extract_deep_batch"]
