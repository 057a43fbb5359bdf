"""The quality rules' hot loops in C; everything else about the package is in pyproject.toml.

``optional``: where no C compiler is at hand the install still succeeds and the Python reference of each
function runs instead (``stages/quality/native.py`` says which is which).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("stages.quality._native", ["stages/quality/_native.c"], extra_compile_args=["-O2"], optional=True)
    ]
)
