"""The built-in pipeline files, installed as the package ``benchmark.recipes``.

This file only makes the folder a package, so that a wheel carries its ``*.yml`` files
and :func:`benchmark.pipelines.builtin_pipeline_dir` finds them in any installation.
Add a recipe by dropping a ``.yml`` file here (see README, "Adding a model").
"""
