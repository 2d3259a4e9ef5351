"""dl_pipelines: classic deep-learning applications as Kedro pipelines."""

__version__ = "0.1.0"
